//! The first reading of a scenario's YAML text, before serde sees it, and
//! finding the line and column of a value by path afterwards.
//!
//! One pass over the YAML events ([`Tree::read`]) refuses, with a line and
//! column, what serde would accept silently or handle badly: a key given
//! twice in one mapping (serde keeps the last, or fails later without a
//! place), nesting deeper than any scenario needs (serde's scanner takes
//! minutes on 100,000 nested `[`), aliases that expand into millions of
//! nodes (an "alias bomb"), a second document, and keys that are not plain
//! names. It keeps the position of every node, so that checks that span
//! the file (an unknown region named in a dataset) can report a path and
//! have it turned back into a position ([`Tree::locate`]).

use std::collections::BTreeMap;
use yaml_rust2::parser::{Event, Parser};

/// Largest scenario file read, in bytes.
pub const MAX_FILE_BYTES: usize = 8 << 20;
/// Deepest nesting of mappings and sequences (a scenario needs about 8).
pub const MAX_DEPTH: usize = 64;
/// Most YAML nodes in a document, counting every alias as a copy of what
/// it names.
pub const MAX_NODES: u64 = 1_000_000;

/// One step of a path into a YAML document.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

impl From<&str> for Seg {
    fn from(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }
}
impl From<&String> for Seg {
    fn from(k: &String) -> Seg {
        Seg::Key(k.clone())
    }
}
impl From<usize> for Seg {
    fn from(i: usize) -> Seg {
        Seg::Index(i)
    }
}

/// Builds a path: `yaml_path!["datasets", 0, "placement"]`.
macro_rules! yaml_path {
    ($($seg:expr),* $(,)?) => { vec![$($crate::scenario::locate::Seg::from($seg)),*] };
}
pub(crate) use yaml_path;

/// (line, column), both 1-based.
pub type Pos = (usize, usize);

/// Why a text is not a document regionsim reads, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// 1-based line and column; (0, 0) when the problem has no place.
    pub pos: Pos,
    /// What is wrong and what would be valid.
    pub message: String,
}

enum Node {
    Scalar(Pos),
    Seq(Pos, Vec<Node>),
    /// Entries: key text, key position, value.
    Map(Pos, Vec<(String, Pos, Node)>),
}

impl Node {
    fn pos(&self) -> Pos {
        match self {
            Node::Scalar(p) | Node::Seq(p, _) | Node::Map(p, _) => *p,
        }
    }
}

/// A collection being read.
struct Open {
    node: Node,
    /// Its anchor id (0: none), to size aliases of it.
    anchor: usize,
    /// Nodes inside it so far, aliases expanded.
    size: u64,
    /// Mappings: the key whose value comes next, and where it is.
    pending: Option<(String, Pos)>,
    /// Mappings: the keys seen so far, with their positions.
    keys: BTreeMap<String, Pos>,
}

/// A top-level key of a document and where its parts are (see
/// [`Tree::sections`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// The key.
    pub key: String,
    /// The 1-based line of the key.
    pub line: usize,
    /// For a sequence, the 1-based line each item starts on.
    pub items: Option<Vec<usize>>,
}

/// The positions of every node of a document that passed the checks above.
pub struct Tree {
    root: Option<Node>,
    /// Nodes, aliases expanded.
    nodes: u64,
}

fn error(pos: Pos, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        pos,
        message: message.into(),
    }
}

fn too_many(pos: Pos) -> SyntaxError {
    error(
        pos,
        format!(
            "the document expands to more than {MAX_NODES} nodes (an alias counts as a copy of what it names)"
        ),
    )
}

impl Tree {
    /// Reads `source` (one YAML document) and checks it; the error names the
    /// first problem and where it is.
    pub fn read(source: &str) -> Result<Tree, SyntaxError> {
        if source.len() > MAX_FILE_BYTES {
            return Err(error(
                (0, 0),
                format!(
                    "the file is {} bytes; a scenario file may hold at most {MAX_FILE_BYTES} (8 MiB)",
                    source.len()
                ),
            ));
        }
        let mut parser = Parser::new_from_str(source);
        let mut stack: Vec<Open> = Vec::new();
        let mut root = None;
        let mut anchors: BTreeMap<usize, u64> = BTreeMap::new();
        let mut expanded: u64 = 0;
        let mut documents = 0;
        loop {
            let (event, mark) = parser.next_token().map_err(|e| {
                let m = e.marker();
                let line = source.lines().nth(m.line().saturating_sub(1)).unwrap_or("");
                let hint = if line.contains('\t') {
                    " (this line has a tab: indent and separate with spaces)"
                } else {
                    ""
                };
                let info = if e.info().contains("recursion limit") {
                    // The scanner's own limit can come first; say it the same way.
                    format!("nesting deeper than {MAX_DEPTH} levels; a scenario needs far fewer")
                } else {
                    e.info().to_string()
                };
                error((m.line(), m.col() + 1), format!("{info}{hint}"))
            })?;
            let pos = (mark.line(), mark.col() + 1);
            // A finished node: (node, its key text if it is a plain scalar,
            // its expanded size, its anchor).
            let finished: (Node, Option<String>, u64, usize) = match event {
                Event::StreamEnd => break,
                Event::DocumentStart => {
                    documents += 1;
                    if documents > 1 {
                        return Err(error(
                            pos,
                            "a scenario file holds one YAML document; this is a second one (remove the `---` or split the file)",
                        ));
                    }
                    continue;
                }
                Event::Scalar(text, _, anchor, _) => (Node::Scalar(pos), Some(text), 1, anchor),
                Event::Alias(id) => {
                    let size = anchors.get(&id).copied().unwrap_or(1);
                    (Node::Scalar(pos), None, size, 0)
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(error(
                            pos,
                            format!("nesting deeper than {MAX_DEPTH} levels; a scenario needs far fewer"),
                        ));
                    }
                    expanded += 1;
                    if expanded > MAX_NODES {
                        return Err(too_many(pos));
                    }
                    let node = if matches!(event, Event::SequenceStart(..)) {
                        Node::Seq(pos, Vec::new())
                    } else {
                        Node::Map(pos, Vec::new())
                    };
                    stack.push(Open {
                        node,
                        anchor,
                        size: 1,
                        pending: None,
                        keys: BTreeMap::new(),
                    });
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(open) = stack.pop() else { continue };
                    (open.node, None, open.size, open.anchor)
                }
                _ => continue,
            };
            let (node, key_text, size, anchor) = finished;
            // Collections were counted when they opened, their items one by one.
            if matches!(node, Node::Scalar(_)) {
                expanded = expanded.saturating_add(size);
                if expanded > MAX_NODES {
                    return Err(too_many(node.pos()));
                }
            }
            if anchor != 0 {
                anchors.insert(anchor, size);
            }
            let Some(parent) = stack.last_mut() else {
                root = Some(node);
                continue;
            };
            parent.size = parent.size.saturating_add(size);
            match &mut parent.node {
                Node::Seq(_, items) => items.push(node),
                Node::Map(map_pos, entries) => match parent.pending.take() {
                    None => {
                        let Some(key) = key_text else {
                            return Err(error(
                                node.pos(),
                                "mapping keys must be plain names (not lists, mappings or aliases)",
                            ));
                        };
                        if let Some(&(line, column)) = parent.keys.get(&key) {
                            return Err(error(
                                node.pos(),
                                format!(
                                    "`{key}` is given twice in this mapping (first at line {line}, column {column}); keep one"
                                ),
                            ));
                        }
                        // A block map's own mark is unreliable; its first key's is not.
                        if entries.is_empty() {
                            *map_pos = node.pos();
                        }
                        parent.keys.insert(key.clone(), node.pos());
                        parent.pending = Some((key, node.pos()));
                    }
                    Some((k, at)) => entries.push((k, at, node)),
                },
                Node::Scalar(_) => unreachable!("scalars are never open"),
            }
        }
        Ok(Tree {
            root,
            nodes: expanded,
        })
    }

    /// The top-level keys of a block-mapping document: each key, the line
    /// it is on, and when its value is a sequence, the line of each item.
    /// Empty when the document is not a mapping.
    pub fn sections(&self) -> Vec<Section> {
        let Some(Node::Map(_, entries)) = &self.root else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|(key, at, value)| Section {
                key: key.clone(),
                line: at.0,
                items: match value {
                    Node::Seq(_, items) => Some(items.iter().map(|n| n.pos().0).collect()),
                    _ => None,
                },
            })
            .collect()
    }

    /// Number of nodes in the document, every alias counted as a copy.
    pub fn nodes(&self) -> u64 {
        self.nodes
    }

    /// The (line, column), both 1-based, of the value at `path`, or of the
    /// deepest part of the path that exists; (0, 0) for an empty document.
    pub fn locate(&self, path: &[Seg]) -> Pos {
        let Some(mut node) = self.root.as_ref() else {
            return (0, 0);
        };
        for seg in path {
            let next = match (node, seg) {
                (Node::Map(_, entries), Seg::Key(k)) => entries
                    .iter()
                    .find(|(key, _, _)| key == k)
                    .map(|(_, _, n)| n),
                (Node::Seq(_, items), Seg::Index(i)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.pos()
    }
}

#[cfg(test)]
#[allow(clippy::useless_vec)]
mod tests {
    use super::*;

    const SRC: &str = "name: x\nregions:\n  - name: a\n    lat: 3\n  - name: b\ndatasets:\n  - placement: {single-primary: {primary: zz}}\n";

    fn locate(src: &str, path: &[Seg]) -> Pos {
        Tree::read(src).unwrap().locate(path)
    }

    #[test]
    fn finds_values_by_path() {
        assert_eq!(locate(SRC, &yaml_path!["name"]), (1, 7));
        assert_eq!(locate(SRC, &yaml_path!["regions", 1, "name"]), (5, 11));
        assert_eq!(locate(SRC, &yaml_path!["regions", 0, "lat"]), (4, 10));
        assert_eq!(
            locate(
                SRC,
                &yaml_path!["datasets", 0, "placement", "single-primary", "primary"]
            ),
            (7, 43)
        );
    }

    #[test]
    fn falls_back_to_the_deepest_existing_node() {
        assert_eq!(locate(SRC, &yaml_path!["regions", 1, "lat"]), (5, 5));
    }

    #[test]
    fn duplicate_keys_are_located_in_every_mapping() {
        let e = Tree::read("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n")
            .err()
            .unwrap();
        assert_eq!(e.pos, (5, 3));
        assert!(e.message.contains("`c` is given twice") && e.message.contains("line 3"));
        let e = Tree::read("x: {k: 1, k: 2}\n").err().unwrap();
        assert_eq!(e.pos, (1, 11));
        let e = Tree::read("a: 1\na: 2\n").err().unwrap();
        assert_eq!(e.pos, (2, 1));
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_refused_quickly() {
        let deep = format!("x: {}", "[".repeat(100_000));
        let t = std::time::Instant::now();
        let e = Tree::read(&deep).err().unwrap();
        assert!(t.elapsed().as_secs() < 1);
        assert_eq!(e.pos.0, 1);
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = Tree::read(&bomb).err().unwrap();
        assert!(e.message.contains("expands to more than"), "{}", e.message);
        assert!(e.pos.0 >= 6, "{:?}", e.pos);
        // A few aliases are fine.
        assert!(Tree::read("a: &d {x: 1}\nb: *d\nc: *d\n").is_ok());
    }

    #[test]
    fn second_documents_and_complex_keys_are_refused() {
        let e = Tree::read("a: 1\n---\nb: 2\n").err().unwrap();
        assert_eq!(e.pos.0, 2);
        let e = Tree::read("? [a, b]\n: 1\n").err().unwrap();
        assert!(e.message.contains("plain names"), "{}", e.message);
    }

    #[test]
    fn scanner_errors_are_located() {
        let e = Tree::read("a: {b: 1,\tc: 2}\nd: [\n").err().unwrap();
        assert!(e.pos.0 >= 1 && e.pos.1 >= 1, "{e:?}");
    }
}
