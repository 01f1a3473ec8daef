//! Finds the line and column of a value in a YAML source, by path.
//!
//! serde_yaml locates the errors it raises itself, but once a file has been
//! read into structs the positions are gone. Checks that span the file (an
//! unknown region named in a dataset) report a path instead, and this module
//! turns it back into a position by re-reading the events of the source.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

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

type Pos = (usize, usize);

enum Node {
    Scalar(Pos),
    Seq(Pos, Vec<Node>),
    Map(Pos, Vec<(String, Node)>),
}

impl Node {
    fn pos(&self) -> Pos {
        match self {
            Node::Scalar(p) | Node::Seq(p, _) | Node::Map(p, _) => *p,
        }
    }
}

#[derive(Default)]
struct Builder {
    /// Open collections; a map's pending key is kept until its value ends.
    stack: Vec<(Node, Option<String>)>,
    root: Option<Node>,
}

impl Builder {
    fn finish(&mut self, node: Node, key_text: Option<String>) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some((Node::Seq(_, items), _)) => items.push(node),
            Some((Node::Map(pos, entries), pending)) => match pending.take() {
                None => {
                    // A block map's own mark is unreliable; its first key's is not.
                    if entries.is_empty() {
                        *pos = node.pos();
                    }
                    *pending = Some(key_text.unwrap_or_default());
                }
                Some(k) => entries.push((k, node)),
            },
            Some((Node::Scalar(_), _)) => unreachable!("scalars are never open"),
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = (mark.line(), mark.col() + 1);
        match ev {
            Event::Scalar(text, ..) => self.finish(Node::Scalar(pos), Some(text)),
            Event::Alias(_) => self.finish(Node::Scalar(pos), None),
            Event::SequenceStart(..) => self.stack.push((Node::Seq(pos, Vec::new()), None)),
            Event::MappingStart(..) => self.stack.push((Node::Map(pos, Vec::new()), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.finish(node, None);
                }
            }
            _ => {}
        }
    }
}

/// The (line, column), both 1-based, of the value at `path`, or of the
/// deepest part of the path that exists. `None` if the source is not YAML.
pub fn locate(source: &str, path: &[Seg]) -> Option<(usize, usize)> {
    let mut builder = Builder::default();
    Parser::new_from_str(source)
        .load(&mut builder, false)
        .ok()?;
    let mut node = builder.root.as_ref()?;
    for seg in path {
        let next = match (node, seg) {
            (Node::Map(_, entries), Seg::Key(k)) => {
                entries.iter().find(|(key, _)| key == k).map(|(_, n)| n)
            }
            (Node::Seq(_, items), Seg::Index(i)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    Some(node.pos())
}

#[cfg(test)]
#[allow(clippy::useless_vec)]
mod tests {
    use super::*;

    const SRC: &str = "name: x\nregions:\n  - name: a\n    lat: 3\n  - name: b\ndatasets:\n  - placement: {single-primary: {primary: zz}}\n";

    #[test]
    fn finds_values_by_path() {
        assert_eq!(locate(SRC, &yaml_path!["name"]), Some((1, 7)));
        assert_eq!(
            locate(SRC, &yaml_path!["regions", 1, "name"]),
            Some((5, 11))
        );
        assert_eq!(locate(SRC, &yaml_path!["regions", 0, "lat"]), Some((4, 10)));
        assert_eq!(
            locate(
                SRC,
                &yaml_path!["datasets", 0, "placement", "single-primary", "primary"]
            ),
            Some((7, 43))
        );
    }

    #[test]
    fn falls_back_to_the_deepest_existing_node() {
        assert_eq!(locate(SRC, &yaml_path!["regions", 1, "lat"]), Some((5, 5)));
    }
}
