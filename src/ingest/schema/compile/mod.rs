//! Compiles the XSD files of one schema set into the tables of [`super::model`].
//!
//! The XSD files are read with facteur's own XML reader. Global definitions are
//! indexed by expanded name; element declarations and types are then compiled from the
//! roots on demand. Type bodies are compiled from a work queue rather than by
//! recursion, because the UBL type graph is deep and recursive (an element can
//! contain itself), and a queue bounds the stack whatever the graph.
//!
//! Only the XSD constructs the shipped schemas need are supported (sequence, choice,
//! group, element, any, attribute, attributeGroup, anyAttribute, simple and complex
//! content by extension or restriction, simple types by restriction with enumeration
//! and length facets). Anything else is a [`CompileError`], never silently ignored.

mod particles;
mod sources;
mod types;

use std::collections::{HashMap, VecDeque};

use crate::fxhash::FxHashMap;
use crate::xml::{Node, XmlError};

use sources::{At, FileInfo, Key, Sources, invalid, xs};

use super::datatypes::{Builtin, SimpleType};
use super::model::{
    ComplexType, Content, ElemIx, ElementDecl, NameIx, NsIx, SchemaSet, SimpleIx, TypeDef, TypeIx,
};

const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// One embedded XSD file.
pub(crate) struct SourceFile {
    pub name: &'static str,
    pub text: &'static str,
}

/// Why a schema set could not be compiled (a defect of the embedded files or of this
/// compiler, never of a validated document).
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("schema {file} is not readable XML")]
    Xml {
        file: &'static str,
        #[source]
        source: XmlError,
    },
    #[error("schema {file}: {message}")]
    Invalid { file: &'static str, message: String },
}

/// Compiles a schema set. Every global element of every file is compiled, so any
/// of them can be a root or the target of a lax wildcard.
pub(crate) fn compile(files: &[SourceFile]) -> Result<SchemaSet, CompileError> {
    let sources = Sources::read(files)?;
    let mut c = Compiler {
        src: &sources,
        out: SchemaSet::default(),
        type_memo: HashMap::new(),
        elem_memo: HashMap::new(),
        simple_memo: HashMap::new(),
        builtin_memo: HashMap::new(),
        pending: HashMap::new(),
        queue: VecDeque::new(),
    };
    c.ns("");
    for info in &sources.infos {
        for (prefix, uri) in &info.prefixes {
            let ix = c.ns(uri) as usize;
            if c.out.prefixes[ix].is_empty() && !prefix.is_empty() {
                c.out.prefixes[ix] = prefix.as_str().into();
            }
        }
    }
    let mut globals: Vec<_> = sources.elements.values().copied().collect();
    globals.sort_unstable();
    for (file, node) in globals {
        let node = sources.docs[file].node(node);
        let ix = c.global_element(file, node)?;
        let name = c.out.element(ix).name;
        c.out.globals.insert(name, ix);
    }
    while let Some(ty) = c.queue.pop_front() {
        c.finish_type(ty)?;
    }
    Ok(c.out)
}

/// Progress of a type slot reserved in [`SchemaSet::types`].
#[derive(Clone, Copy)]
enum Slot {
    Pending(At),
    InProgress,
}

struct Compiler<'s> {
    src: &'s Sources,
    out: SchemaSet,
    type_memo: HashMap<At, TypeIx>,
    elem_memo: HashMap<At, ElemIx>,
    simple_memo: HashMap<At, SimpleIx>,
    builtin_memo: HashMap<&'static str, SimpleIx>,
    pending: HashMap<TypeIx, Slot>,
    queue: VecDeque<TypeIx>,
}

/// A reference to a type, resolved.
enum TypeRef {
    Builtin(Builtin),
    AnyType,
    Named(At),
    Simple(At),
}

impl<'s> Compiler<'s> {
    fn file(&self, file: usize) -> &'s FileInfo {
        &self.src.infos[file]
    }

    fn node(&self, at: At) -> Node<'s> {
        self.src.docs[at.0].node(at.1)
    }

    fn ns(&mut self, uri: &str) -> NsIx {
        if let Some(ix) = self.out.ns_ids.get(uri) {
            return *ix;
        }
        let ix = self.out.namespaces.len() as NsIx;
        self.out.namespaces.push(uri.into());
        self.out.prefixes.push("".into());
        self.out.ns_ids.insert(uri.into(), ix);
        ix
    }

    fn name(&mut self, uri: &str, local: &str) -> NameIx {
        let ns = self.ns(uri);
        if let Some(ix) = self.out.lookup_name(ns, local) {
            return ix;
        }
        let ix = self.out.names.len() as NameIx;
        self.out.names.push(super::model::Name {
            ns,
            local: local.into(),
        });
        let slot = ns as usize;
        if self.out.name_ids.len() <= slot {
            self.out.name_ids.resize_with(slot + 1, FxHashMap::default);
        }
        self.out.name_ids[slot].insert(local.into(), ix);
        ix
    }

    /// Resolves a QName written in an attribute value of `file`.
    fn qname(&self, file: usize, value: &str) -> Result<Key, CompileError> {
        let info = self.file(file);
        let value = value.trim();
        let (prefix, local) = value.split_once(':').unwrap_or(("", value));
        match info.prefixes.get(prefix) {
            Some(uri) => Ok((uri.clone(), local.to_string())),
            None if prefix.is_empty() => Ok((String::new(), local.to_string())),
            None => Err(invalid(
                info.name,
                format!("prefix {prefix:?} of {value:?} is not declared"),
            )),
        }
    }

    fn lookup(
        &self,
        file: usize,
        map: &HashMap<Key, At>,
        value: &str,
        what: &str,
    ) -> Result<At, CompileError> {
        let key = self.qname(file, value)?;
        map.get(&key).copied().ok_or_else(|| {
            invalid(
                self.file(file).name,
                format!("{what} {{{}}}{} is not defined", key.0, key.1),
            )
        })
    }

    fn type_ref(&self, file: usize, value: &str) -> Result<TypeRef, CompileError> {
        let key = self.qname(file, value)?;
        if key.0 == XSD_NS {
            if key.1 == "anyType" {
                return Ok(TypeRef::AnyType);
            }
            let b = Builtin::from_name(&key.1).ok_or_else(|| {
                invalid(
                    self.file(file).name,
                    format!("built-in type xsd:{} is not supported", key.1),
                )
            })?;
            return Ok(TypeRef::Builtin(b));
        }
        if let Some(at) = self.src.complex.get(&key) {
            return Ok(TypeRef::Named(*at));
        }
        if let Some(at) = self.src.simple.get(&key) {
            return Ok(TypeRef::Simple(*at));
        }
        Err(invalid(
            self.file(file).name,
            format!("type {{{}}}{} is not defined", key.0, key.1),
        ))
    }

    fn builtin(&mut self, b: Builtin) -> SimpleIx {
        if let Some(ix) = self.builtin_memo.get(b.xs_name()) {
            return *ix;
        }
        let ix = self.out.simple.len() as SimpleIx;
        self.out.simple.push(SimpleType::builtin(b));
        self.builtin_memo.insert(b.xs_name(), ix);
        ix
    }

    /// A type slot for a type definition node (named or anonymous), compiled later.
    fn reserve_type(&mut self, at: At) -> TypeIx {
        if let Some(ix) = self.type_memo.get(&at) {
            return *ix;
        }
        let ix = self.out.types.len() as TypeIx;
        // Placeholder until the queue reaches it; never read before `finish_type`.
        self.out.types.push(TypeDef::Simple(0));
        self.type_memo.insert(at, ix);
        self.pending.insert(ix, Slot::Pending(at));
        self.queue.push_back(ix);
        ix
    }

    fn simple_as_type(&mut self, simple: SimpleIx) -> TypeIx {
        let ix = self.out.types.len() as TypeIx;
        self.out.types.push(TypeDef::Simple(simple));
        ix
    }

    fn resolve_type(&mut self, file: usize, value: &str) -> Result<TypeIx, CompileError> {
        Ok(match self.type_ref(file, value)? {
            TypeRef::Builtin(b) => {
                let s = self.builtin(b);
                self.simple_as_type(s)
            }
            TypeRef::AnyType => self.any_type(),
            TypeRef::Named(at) => self.reserve_type(at),
            TypeRef::Simple(at) => {
                let s = self.simple_type(at)?;
                self.simple_as_type(s)
            }
        })
    }

    fn any_type(&mut self) -> TypeIx {
        let ix = self.out.types.len() as TypeIx;
        self.out.types.push(TypeDef::Complex(ComplexType {
            attributes: Vec::new(),
            required: Vec::new(),
            any_attribute: true,
            content: Content::Any,
            locals: FxHashMap::default(),
            flat: None,
        }));
        ix
    }

    /// The type of an element declaration: its `type`, its anonymous type, or anyType.
    fn element_type(&mut self, file: usize, el: Node<'s>) -> Result<TypeIx, CompileError> {
        if let Some(t) = el.attr("type") {
            return self.resolve_type(file, t);
        }
        for child in el.children() {
            match xs(child) {
                Some("complexType") => return Ok(self.reserve_type((file, child.index()))),
                Some("simpleType") => {
                    let s = self.simple_type((file, child.index()))?;
                    return Ok(self.simple_as_type(s));
                }
                _ => {}
            }
        }
        Ok(self.any_type())
    }

    /// Element features the validator does not implement: refusing them at compile
    /// time keeps a schema that needs them from being half-checked.
    fn supported_element(&self, file: usize, el: Node<'s>) -> Result<(), CompileError> {
        for feature in ["fixed", "default", "substitutionGroup", "abstract"] {
            if el.attr(feature).is_some() {
                return Err(invalid(
                    self.file(file).name,
                    format!("{feature} on element {} is not supported", el.path()),
                ));
            }
        }
        Ok(())
    }

    fn global_element(&mut self, file: usize, el: Node<'s>) -> Result<ElemIx, CompileError> {
        let at = (file, el.index());
        if let Some(ix) = self.elem_memo.get(&at) {
            return Ok(*ix);
        }
        self.supported_element(file, el)?;
        let target = self.file(file).target.clone();
        let local = el.attr("name").unwrap_or("");
        let name = self.name(&target, local);
        let ix = self.out.elements.len() as ElemIx;
        self.out.elements.push(ElementDecl {
            name,
            ty: 0,
            nillable: el.attr("nillable") == Some("true"),
        });
        self.elem_memo.insert(at, ix);
        let ty = self.element_type(file, el)?;
        self.out.elements[ix as usize].ty = ty;
        Ok(ix)
    }

    fn local_element(&mut self, file: usize, el: Node<'s>) -> Result<ElemIx, CompileError> {
        if let Some(r) = el.attr("ref") {
            let at = self.lookup(file, &self.src.elements, r, "element")?;
            let node = self.node(at);
            return self.global_element(at.0, node);
        }
        self.supported_element(file, el)?;
        let info = self.file(file);
        let qualified = match el.attr("form") {
            Some(form) => form == "qualified",
            None => info.elements_qualified,
        };
        let uri = if qualified {
            info.target.clone()
        } else {
            String::new()
        };
        let name = self.name(&uri, el.attr("name").unwrap_or(""));
        let ty = self.element_type(file, el)?;
        let ix = self.out.elements.len() as ElemIx;
        self.out.elements.push(ElementDecl {
            name,
            ty,
            nillable: el.attr("nillable") == Some("true"),
        });
        Ok(ix)
    }

    /// Compiles a simple type definition (restriction chains are short and acyclic,
    /// so this recursion is bounded).
    fn simple_type(&mut self, at: At) -> Result<SimpleIx, CompileError> {
        if let Some(ix) = self.simple_memo.get(&at) {
            return Ok(*ix);
        }
        let (file, node) = (at.0, self.node(at));
        let fname = self.file(file).name;
        let restriction = node
            .children()
            .find(|c| xs(*c) == Some("restriction"))
            .ok_or_else(|| {
                invalid(
                    fname,
                    format!("simple type {} is not a restriction", node.path()),
                )
            })?;
        let base = self.restriction_base(file, restriction)?;
        let mut st = self.out.simple[base as usize].clone();
        if let Some(name) = node.attr("name") {
            let prefix = self.prefix_of(&self.file(file).target);
            st.label = format!("{prefix}{name}").into();
        }
        self.facets(file, restriction, &mut st)?;
        let ix = self.out.simple.len() as SimpleIx;
        self.out.simple.push(st);
        self.simple_memo.insert(at, ix);
        Ok(ix)
    }

    fn prefix_of(&self, uri: &str) -> String {
        self.out
            .lookup_ns(uri)
            .map(|ns| &self.out.prefixes[ns as usize])
            .filter(|p| !p.is_empty())
            .map(|p| format!("{p}:"))
            .unwrap_or_default()
    }

    /// The simple base of a restriction: its `base` attribute or its nested simpleType.
    fn restriction_base(&mut self, file: usize, r: Node<'s>) -> Result<SimpleIx, CompileError> {
        if let Some(base) = r.attr("base") {
            return match self.type_ref(file, base)? {
                TypeRef::Builtin(b) => Ok(self.builtin(b)),
                TypeRef::Simple(at) => self.simple_type(at),
                TypeRef::AnyType | TypeRef::Named(_) => Err(invalid(
                    self.file(file).name,
                    format!("simple restriction of complex type {base}"),
                )),
            };
        }
        match r.children().find(|c| xs(*c) == Some("simpleType")) {
            Some(st) => self.simple_type((file, st.index())),
            None => Err(invalid(
                self.file(file).name,
                format!("restriction without base at {}", r.path()),
            )),
        }
    }

    fn facets(&self, file: usize, r: Node<'s>, st: &mut SimpleType) -> Result<(), CompileError> {
        let mut enumeration = Vec::new();
        for f in r.children() {
            let value = f.attr("value").unwrap_or("");
            let number = || {
                value.trim().parse::<usize>().map_err(|_| {
                    invalid(self.file(file).name, format!("bad facet value {value:?}"))
                })
            };
            match xs(f) {
                Some("enumeration") => enumeration.push(st.normalize(value).into()),
                Some("length") => st.length = Some(number()?),
                Some("minLength") => st.min_length = Some(number()?),
                Some("maxLength") => st.max_length = Some(number()?),
                Some(
                    "annotation" | "simpleType" | "attribute" | "attributeGroup" | "anyAttribute",
                ) => {}
                Some(other) => {
                    return Err(invalid(
                        self.file(file).name,
                        format!("facet xsd:{other} is not supported"),
                    ));
                }
                None => {}
            }
        }
        // A restriction's enumeration replaces the base's (it can only narrow it).
        if !enumeration.is_empty() {
            st.enumeration = enumeration;
        }
        Ok(())
    }
}
