//! Secure XML reading: bytes in any supported encoding -> an immutable element tree.
//!
//! Owns everything between raw bytes and a tree the validators can walk:
//! encoding detection and transcoding ([`decode`]), the refusal of DTDs (no entity is
//! ever expanded or fetched), well-formedness, namespace resolution and the resource
//! limits (size, depth, element count). Nothing else in facteur hands bytes to
//! quick-xml for documents that come from outside.
//!
//! The tree is a flat arena in document order: an element's descendants are the
//! contiguous range that follows it, so `//x` queries are a slice scan and there is no
//! pointer chasing. It keeps what the validation layers need (names with their
//! namespace, attributes, direct text, a flag for text mixed among children) and
//! nothing else; comments and processing instructions are dropped.

mod attr_keys;
mod decode;
mod name_cache;
mod names;
mod parse;
mod space;
mod tree;

pub use decode::decode;
pub use names::{NameId, Namespace, QName};
pub use parse::{Limits, XmlError, XmlErrorKind, parse, parse_str};
pub use space::{is_space, trim_space};
pub use tree::{Attr, Document, Node};
