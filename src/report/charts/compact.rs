//! Smaller SVG text for the same picture: what plotters writes, less what
//! a browser does not need. The page inlines every chart, and before this
//! its 4 MB were mostly default attributes (`opacity="1"` on every
//! element), font sizes to 15 decimals and one `<line>` element per grid
//! line and tick mark.
//!
//! Line by line (plotters writes one element or one text per line):
//! `opacity="1"` goes; numbers in attributes keep two decimals; the font
//! family is said once, on the root; and a run of straight segments of one
//! style (`<line>`, or a `<polyline>` of two points) becomes one `<path>`.
//! Longer polylines (the data) and everything else stay as they are.

/// The attributes of a one-line element `<tag a="x" b="y"/>`, in order.
fn attributes(line: &str) -> Vec<(&str, &str)> {
    let Some(body) = line
        .strip_suffix("/>")
        .and_then(|l| l.split_once(' ').map(|(_, rest)| rest))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut rest = body.trim();
    while let Some((name, after)) = rest.split_once("=\"") {
        let Some((value, next)) = after.split_once('"') else {
            break;
        };
        out.push((name.trim(), value));
        rest = next.trim_start();
    }
    out
}

/// A straight segment: its style (every attribute but the coordinates, and
/// `fill`, which a path of segments sets to none) and its path data.
fn segment(line: &str) -> Option<(String, String)> {
    let (coords, skip): (&[&str], &[&str]) = if line.starts_with("<line ") {
        (&["x1", "y1", "x2", "y2"], &[])
    } else if line.starts_with("<polyline ") {
        (&["points"], &["fill"])
    } else {
        return None;
    };
    let attrs = attributes(line);
    let get = |k: &str| attrs.iter().find(|a| a.0 == k).map(|a| a.1);
    let d = if coords.len() == 4 {
        let [x1, y1, x2, y2] = [get("x1")?, get("y1")?, get("x2")?, get("y2")?];
        format!("M{x1} {y1}L{x2} {y2}")
    } else {
        let points: Vec<&str> = get("points")?.split_whitespace().collect();
        let [a, b] = points.as_slice() else {
            return None;
        };
        format!("M{}L{}", a.replace(',', " "), b.replace(',', " "))
    };
    let style: Vec<String> = attrs
        .iter()
        .filter(|(k, _)| !coords.contains(k) && !skip.contains(k))
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    Some((style.join(" "), d))
}

/// `v` with at most two decimals, trailing zeros dropped; `None` when it is
/// not a number with more.
fn rounded(v: &str) -> Option<String> {
    let (_, decimals) = v.split_once('.')?;
    if decimals.len() <= 2 || !decimals.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let x: f64 = v.parse().ok()?;
    let s = format!("{x:.2}");
    Some(s.trim_end_matches('0').trim_end_matches('.').to_string())
}

/// A tag line without default opacity and font family, its numbers
/// rounded.
fn tidy(line: &str) -> String {
    let line = line
        .replace(" opacity=\"1\"", "")
        .replace(" font-family=\"sans-serif\"", "");
    let mut out = String::with_capacity(line.len());
    let mut rest = line.as_str();
    while let Some(i) = rest.find("=\"") {
        out.push_str(&rest[..i + 2]);
        let after = &rest[i + 2..];
        let end = after.find('"').unwrap_or(after.len());
        let value = &after[..end];
        out.push_str(&rounded(value).unwrap_or_else(|| value.to_string()));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The SVG document `svg` (as plotters writes it), smaller.
pub(super) fn compact(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() / 2);
    // A run of segments of one style: (style, path data, its first line,
    // how many).
    let mut run: Option<(String, String, String, usize)> = None;
    let flush = |out: &mut String, run: Option<(String, String, String, usize)>| match run {
        Some((_, _, first, 1)) => {
            out.push_str(&first);
            out.push('\n');
        }
        Some((style, d, _, _)) => {
            out.push_str(&format!("<path fill=\"none\" {style} d=\"{d}\"/>\n"));
        }
        None => {}
    };
    for line in svg.lines() {
        if !line.starts_with('<') {
            // Text content, as it is.
            flush(&mut out, run.take());
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let line = if line.starts_with("<svg ") {
            line.replacen("<svg ", "<svg font-family=\"sans-serif\" ", 1)
        } else {
            tidy(line)
        };
        match segment(&line) {
            Some((style, d)) => match &mut run {
                Some((s, path, _, n)) if *s == style => {
                    path.push_str(&d);
                    *n += 1;
                }
                _ => {
                    flush(&mut out, run.take());
                    run = Some((style, d, line, 1));
                }
            },
            None => {
                flush(&mut out, run.take());
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    flush(&mut out, run.take());
    out
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn segments_of_one_style_become_one_path_and_nothing_else_changes() {
        let svg = "<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n\
<line opacity=\"1\" stroke=\"#F2F2F2\" stroke-width=\"1\" x1=\"1\" y1=\"9\" x2=\"1\" y2=\"2\"/>\n\
<line opacity=\"1\" stroke=\"#F2F2F2\" stroke-width=\"1\" x1=\"3\" y1=\"9\" x2=\"3\" y2=\"2\"/>\n\
<polyline fill=\"none\" opacity=\"1\" stroke=\"#F2F2F2\" stroke-width=\"1\" points=\"5,9 5,2 \"/>\n\
<polyline fill=\"none\" opacity=\"1\" stroke=\"#000000\" stroke-width=\"1\" points=\"0,0 1,1 \"/>\n\
<polyline fill=\"none\" opacity=\"0.5\" stroke=\"#E69F00\" stroke-width=\"3\" points=\"0,0 1,1 2,4 \"/>\n\
<text x=\"1\" y=\"2\" font-family=\"sans-serif\" font-size=\"22.580645161290324\" opacity=\"1\" fill=\"#000000\">\n\
p99 1.234567 ms\n\
</text>\n\
</svg>\n";
        assert_eq!(
            compact(svg),
            "<svg font-family=\"sans-serif\" width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n\
<path fill=\"none\" stroke=\"#F2F2F2\" stroke-width=\"1\" d=\"M1 9L1 2M3 9L3 2M5 9L5 2\"/>\n\
<polyline fill=\"none\" stroke=\"#000000\" stroke-width=\"1\" points=\"0,0 1,1 \"/>\n\
<polyline fill=\"none\" opacity=\"0.5\" stroke=\"#E69F00\" stroke-width=\"3\" points=\"0,0 1,1 2,4 \"/>\n\
<text x=\"1\" y=\"2\" font-size=\"22.58\" fill=\"#000000\">\n\
p99 1.234567 ms\n\
</text>\n\
</svg>\n"
        );
    }
}
