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

use std::collections::{HashMap, VecDeque};

use crate::xml::{self, Document, Limits, Node, XmlError};

use super::datatypes::{Builtin, SimpleType};
use super::model::{
    AttributeUse, ComplexType, Content, ElemIx, ElementDecl, FirstSet, NameIx, NsConstraint, NsIx,
    PartIx, Particle, Process, SchemaSet, SimpleIx, Term, TypeDef, TypeIx, Wildcard,
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

/// What the compiler needs to know about one file.
struct FileInfo {
    name: &'static str,
    target: String,
    prefixes: HashMap<String, String>,
    elements_qualified: bool,
    attributes_qualified: bool,
}

type Key = (String, String);
type At = (usize, usize);

/// The parsed files and their global definitions, indexed by expanded name.
struct Sources {
    docs: Vec<Document>,
    infos: Vec<FileInfo>,
    complex: HashMap<Key, At>,
    simple: HashMap<Key, At>,
    elements: HashMap<Key, At>,
    attributes: HashMap<Key, At>,
    groups: HashMap<Key, At>,
    attribute_groups: HashMap<Key, At>,
}

impl Sources {
    fn read(files: &[SourceFile]) -> Result<Sources, CompileError> {
        let mut s = Sources {
            docs: Vec::new(),
            infos: Vec::new(),
            complex: HashMap::new(),
            simple: HashMap::new(),
            elements: HashMap::new(),
            attributes: HashMap::new(),
            groups: HashMap::new(),
            attribute_groups: HashMap::new(),
        };
        for (i, f) in files.iter().enumerate() {
            let doc =
                xml::parse_str(f.text, &Limits::default()).map_err(|source| CompileError::Xml {
                    file: f.name,
                    source,
                })?;
            let root = doc.root();
            if xs(root) != Some("schema") {
                return Err(invalid(f.name, "root element is not xsd:schema"));
            }
            let info = FileInfo {
                name: f.name,
                target: root.attr("targetNamespace").unwrap_or("").to_string(),
                prefixes: root_namespaces(f.text, root.offset()),
                elements_qualified: root.attr("elementFormDefault") == Some("qualified"),
                attributes_qualified: root.attr("attributeFormDefault") == Some("qualified"),
            };
            for child in root.children() {
                let Some(name) = child.attr("name") else {
                    continue;
                };
                let map = match xs(child) {
                    Some("complexType") => &mut s.complex,
                    Some("simpleType") => &mut s.simple,
                    Some("element") => &mut s.elements,
                    Some("attribute") => &mut s.attributes,
                    Some("group") => &mut s.groups,
                    Some("attributeGroup") => &mut s.attribute_groups,
                    _ => continue,
                };
                map.insert((info.target.clone(), name.to_string()), (i, child.index()));
            }
            s.docs.push(doc);
            s.infos.push(info);
        }
        Ok(s)
    }
}

/// The local name of an element of the XML Schema namespace.
fn xs(node: Node<'_>) -> Option<&str> {
    (node.document().namespace_uri(node.namespace()) == XSD_NS).then(|| node.local_name())
}

fn invalid(file: &'static str, message: impl Into<String>) -> CompileError {
    CompileError::Invalid {
        file,
        message: message.into(),
    }
}

/// The namespace declarations of the root start tag. The tree does not keep them, and
/// XSD attribute values (`type="cbc:IDType"`) need them; the shipped schemas declare
/// every prefix on their root element.
fn root_namespaces(text: &str, offset: usize) -> HashMap<String, String> {
    let mut out = HashMap::new();
    // The reader records an element's offset after its start tag; step back to the
    // tag's `<` (attribute values cannot contain a raw `<`).
    let start = match text.get(offset..) {
        Some(t) if t.starts_with('<') => offset,
        _ => text.get(..offset).and_then(|t| t.rfind('<')).unwrap_or(0),
    };
    let tag = text.get(start..).unwrap_or("");
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let mut rest = tag;
    while let Some(at) = rest.find("xmlns") {
        let before_ok = at > 0 && rest[..at].ends_with(|c: char| c.is_ascii_whitespace());
        let after = &rest[at + 5..];
        rest = after;
        if !before_ok {
            continue;
        }
        let (prefix, after) = match after.strip_prefix(':') {
            Some(p) => {
                let end = p
                    .find(|c: char| c == '=' || c.is_ascii_whitespace())
                    .unwrap_or(p.len());
                (&p[..end], &p[end..])
            }
            None => ("", after),
        };
        let Some(after) = after.trim_start().strip_prefix('=') else {
            continue;
        };
        let after = after.trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let value = &after[1..];
        let Some(end) = value.find(quote) else {
            continue;
        };
        out.insert(prefix.to_string(), value[..end].to_string());
        rest = &value[end..];
    }
    out
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
            self.out.name_ids.resize_with(slot + 1, HashMap::new);
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
            any_attribute: true,
            content: Content::Any,
            locals: HashMap::new(),
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

    /// Compiles the body of a reserved complex type slot.
    fn finish_type(&mut self, ix: TypeIx) -> Result<(), CompileError> {
        let Some(Slot::Pending(at)) = self.pending.get(&ix).copied() else {
            return Ok(());
        };
        self.pending.insert(ix, Slot::InProgress);
        let def = self.complex_type(at)?;
        self.out.types[ix as usize] = TypeDef::Complex(def);
        self.pending.remove(&ix);
        Ok(())
    }

    /// A base type must be complete before a derived type copies from it.
    fn ensure(&mut self, ix: TypeIx, file: usize) -> Result<(), CompileError> {
        match self.pending.get(&ix) {
            Some(Slot::Pending(_)) => self.finish_type(ix),
            Some(Slot::InProgress) => {
                Err(invalid(self.file(file).name, "circular type derivation"))
            }
            None => Ok(()),
        }
    }

    fn complex_type(&mut self, at: At) -> Result<ComplexType, CompileError> {
        let (file, node) = (at.0, self.node(at));
        let mixed = node.attr("mixed") == Some("true");
        let mut ct = ComplexType {
            attributes: Vec::new(),
            any_attribute: false,
            content: Content::Empty,
            locals: HashMap::new(),
        };
        let mut particle = None;
        for child in node.children() {
            match xs(child) {
                Some("simpleContent") => self.simple_content(file, child, &mut ct)?,
                Some("complexContent") => {
                    particle = self.complex_content(file, child, &mut ct)?;
                }
                Some("sequence" | "choice" | "group" | "all") => {
                    particle = Some(self.particle(file, child)?);
                }
                Some("annotation") | None => {}
                Some(_) => self.attribute_item(file, child, &mut ct)?,
            }
        }
        if !matches!(ct.content, Content::Simple(_)) {
            ct.content = match (particle, mixed) {
                (Some(p), _) => Content::Elements { particle: p, mixed },
                (None, true) => {
                    let p = self.group_particle(Term::Sequence(Vec::new()), 1, Some(1));
                    Content::Elements { particle: p, mixed }
                }
                (None, false) => Content::Empty,
            };
        }
        if let Content::Elements { particle, .. } = ct.content {
            self.collect_locals(particle, &mut ct.locals);
        }
        Ok(ct)
    }

    fn collect_locals(&self, p: PartIx, out: &mut HashMap<NameIx, ElemIx>) {
        match &self.out.particle(p).term {
            Term::Element(e) => {
                out.entry(self.out.element(*e).name).or_insert(*e);
            }
            Term::Any(_) => {}
            Term::Sequence(ps) | Term::Choice(ps) => {
                for q in ps {
                    self.collect_locals(*q, out);
                }
            }
        }
    }

    /// Attributes, attribute groups and attribute wildcards of a type or derivation.
    fn attribute_item(
        &mut self,
        file: usize,
        item: Node<'s>,
        ct: &mut ComplexType,
    ) -> Result<(), CompileError> {
        match xs(item) {
            Some("attribute") => self.attribute(file, item, ct),
            Some("anyAttribute") => {
                ct.any_attribute = true;
                Ok(())
            }
            Some("attributeGroup") => {
                let r = item.attr("ref").unwrap_or("");
                let at = self.lookup(file, &self.src.attribute_groups, r, "attribute group")?;
                let group = self.node(at);
                for child in group.children() {
                    self.attribute_item(at.0, child, ct)?;
                }
                Ok(())
            }
            Some("annotation") | None => Ok(()),
            Some(other) => Err(invalid(
                self.file(file).name,
                format!("xsd:{other} is not supported in {}", item.path()),
            )),
        }
    }

    fn attribute(
        &mut self,
        file: usize,
        attr: Node<'s>,
        ct: &mut ComplexType,
    ) -> Result<(), CompileError> {
        let (decl_file, decl, uri) = match attr.attr("ref") {
            Some(r) => {
                let at = self.lookup(file, &self.src.attributes, r, "attribute")?;
                let target = self.file(at.0).target.clone();
                (at.0, self.node(at), target)
            }
            None => {
                let info = self.file(file);
                let qualified = match attr.attr("form") {
                    Some(form) => form == "qualified",
                    None => info.attributes_qualified,
                };
                let uri = if qualified {
                    info.target.clone()
                } else {
                    String::new()
                };
                (file, attr, uri)
            }
        };
        let name = self.name(&uri, decl.attr("name").unwrap_or(""));
        let use_ = attr.attr("use").unwrap_or("optional");
        ct.attributes.retain(|a| a.name != name);
        if use_ == "prohibited" {
            return Ok(());
        }
        let ty = match decl.attr("type") {
            Some(t) => match self.type_ref(decl_file, t)? {
                TypeRef::Builtin(b) => self.builtin(b),
                TypeRef::Simple(at) => self.simple_type(at)?,
                TypeRef::AnyType | TypeRef::Named(_) => {
                    return Err(invalid(
                        self.file(file).name,
                        format!("attribute of complex type {t}"),
                    ));
                }
            },
            None => match decl.children().find(|c| xs(*c) == Some("simpleType")) {
                Some(st) => self.simple_type((decl_file, st.index()))?,
                None => self.builtin(Builtin::AnySimpleType),
            },
        };
        let fixed = attr.attr("fixed").or_else(|| decl.attr("fixed"));
        ct.attributes.push(AttributeUse {
            name,
            ty,
            required: use_ == "required",
            fixed: fixed.map(Into::into),
        });
        Ok(())
    }

    /// Copies what a derivation inherits from a complex base type.
    fn inherit(
        &mut self,
        file: usize,
        base: TypeIx,
        ct: &mut ComplexType,
    ) -> Result<Content, CompileError> {
        self.ensure(base, file)?;
        match &self.out.types[base as usize] {
            TypeDef::Simple(s) => Ok(Content::Simple(*s)),
            TypeDef::Complex(b) => {
                for a in &b.attributes {
                    ct.attributes.push(AttributeUse {
                        name: a.name,
                        ty: a.ty,
                        required: a.required,
                        fixed: a.fixed.clone(),
                    });
                }
                ct.any_attribute |= b.any_attribute;
                Ok(match &b.content {
                    Content::Empty => Content::Empty,
                    Content::Simple(s) => Content::Simple(*s),
                    Content::Elements { particle, mixed } => Content::Elements {
                        particle: *particle,
                        mixed: *mixed,
                    },
                    Content::Any => Content::Any,
                })
            }
        }
    }

    fn derivation(&self, file: usize, content: Node<'s>) -> Result<(Node<'s>, bool), CompileError> {
        for d in content.children() {
            match xs(d) {
                Some("extension") => return Ok((d, true)),
                Some("restriction") => return Ok((d, false)),
                _ => {}
            }
        }
        Err(invalid(
            self.file(file).name,
            format!("{} has no derivation", content.path()),
        ))
    }

    fn simple_content(
        &mut self,
        file: usize,
        content: Node<'s>,
        ct: &mut ComplexType,
    ) -> Result<(), CompileError> {
        let (d, extension) = self.derivation(file, content)?;
        let base = d.attr("base").unwrap_or("");
        let mut simple = match self.type_ref(file, base)? {
            TypeRef::Builtin(b) => self.builtin(b),
            TypeRef::Simple(at) => self.simple_type(at)?,
            TypeRef::AnyType => {
                return Err(invalid(self.file(file).name, "simple content from anyType"));
            }
            TypeRef::Named(at) => {
                let ix = self.reserve_type(at);
                match self.inherit(file, ix, ct)? {
                    Content::Simple(s) => s,
                    _ => {
                        return Err(invalid(
                            self.file(file).name,
                            format!("simple content derived from {base}, which has none"),
                        ));
                    }
                }
            }
        };
        if !extension {
            let mut st = self.out.simple[simple as usize].clone();
            let before = (
                st.enumeration.len(),
                st.length,
                st.min_length,
                st.max_length,
            );
            self.facets(file, d, &mut st)?;
            if before
                != (
                    st.enumeration.len(),
                    st.length,
                    st.min_length,
                    st.max_length,
                )
            {
                simple = self.out.simple.len() as SimpleIx;
                self.out.simple.push(st);
            }
        }
        for child in d.children() {
            if let Some("attribute" | "attributeGroup" | "anyAttribute") = xs(child) {
                self.attribute_item(file, child, ct)?;
            }
        }
        ct.content = Content::Simple(simple);
        Ok(())
    }

    fn complex_content(
        &mut self,
        file: usize,
        content: Node<'s>,
        ct: &mut ComplexType,
    ) -> Result<Option<PartIx>, CompileError> {
        let (d, extension) = self.derivation(file, content)?;
        let base = d.attr("base").unwrap_or("");
        let inherited = match self.type_ref(file, base)? {
            TypeRef::AnyType => None,
            TypeRef::Named(at) => {
                let ix = self.reserve_type(at);
                Some(self.inherit(file, ix, ct)?)
            }
            TypeRef::Builtin(_) | TypeRef::Simple(_) => {
                return Err(invalid(
                    self.file(file).name,
                    format!("complex content derived from simple type {base}"),
                ));
            }
        };
        let mut own = None;
        for child in d.children() {
            match xs(child) {
                Some("sequence" | "choice" | "group" | "all") => {
                    own = Some(self.particle(file, child)?);
                }
                Some("attribute" | "attributeGroup" | "anyAttribute") => {
                    self.attribute_item(file, child, ct)?;
                }
                _ => {}
            }
        }
        if !extension {
            return Ok(own);
        }
        Ok(match (inherited, own) {
            (Some(Content::Elements { particle, .. }), Some(own)) => {
                Some(self.group_particle(Term::Sequence(vec![particle, own]), 1, Some(1)))
            }
            (Some(Content::Elements { particle, .. }), None) => Some(particle),
            (_, own) => own,
        })
    }

    fn occurs(&self, file: usize, node: Node<'s>) -> Result<(u32, Option<u32>), CompileError> {
        let bad = |v: &str| invalid(self.file(file).name, format!("bad occurrence {v:?}"));
        let min = match node.attr("minOccurs") {
            Some(v) => v.trim().parse().map_err(|_| bad(v))?,
            None => 1,
        };
        let max = match node.attr("maxOccurs").map(str::trim) {
            Some("unbounded") => None,
            Some(v) => Some(v.parse().map_err(|_| bad(v))?),
            None => Some(1),
        };
        Ok((min, max))
    }

    fn particle(&mut self, file: usize, node: Node<'s>) -> Result<PartIx, CompileError> {
        let (min, max) = self.occurs(file, node)?;
        let term = match xs(node) {
            Some("element") => Term::Element(self.local_element(file, node)?),
            Some("any") => Term::Any(self.wildcard(file, node)?),
            Some(kind @ ("sequence" | "choice")) => {
                let mut parts = Vec::new();
                for child in node.children() {
                    match xs(child) {
                        Some("element" | "any" | "sequence" | "choice" | "group") => {
                            parts.push(self.particle(file, child)?);
                        }
                        Some("annotation") | None => {}
                        Some(other) => {
                            return Err(invalid(
                                self.file(file).name,
                                format!("xsd:{other} inside xsd:{kind} is not supported"),
                            ));
                        }
                    }
                }
                if kind == "sequence" {
                    Term::Sequence(parts)
                } else {
                    Term::Choice(parts)
                }
            }
            Some("group") => {
                let r = node.attr("ref").unwrap_or("");
                let at = self.lookup(file, &self.src.groups, r, "group")?;
                let group = self.node(at);
                let inner = group
                    .children()
                    .find(|c| matches!(xs(*c), Some("sequence" | "choice")))
                    .ok_or_else(|| invalid(self.file(at.0).name, "empty model group"))?;
                let p = self.particle(at.0, inner)?;
                Term::Sequence(vec![p])
            }
            other => {
                return Err(invalid(
                    self.file(file).name,
                    format!("particle xsd:{} is not supported", other.unwrap_or("?")),
                ));
            }
        };
        Ok(self.group_particle(term, min, max))
    }

    fn wildcard(&mut self, file: usize, node: Node<'s>) -> Result<Wildcard, CompileError> {
        let target = self.file(file).target.clone();
        let spec = node.attr("namespace").unwrap_or("##any").trim();
        let ns = match spec {
            "##any" => NsConstraint::Any,
            "##other" => NsConstraint::Other(self.ns(&target)),
            list => {
                let mut out = Vec::new();
                for item in list.split_ascii_whitespace() {
                    let uri = match item {
                        "##targetNamespace" => target.as_str(),
                        "##local" => "",
                        uri => uri,
                    };
                    out.push(self.ns(uri));
                }
                NsConstraint::List(out)
            }
        };
        let process = match node.attr("processContents").map(str::trim) {
            None | Some("strict") => Process::Strict,
            Some("lax") => Process::Lax,
            Some("skip") => Process::Skip,
            Some(other) => {
                return Err(invalid(
                    self.file(file).name,
                    format!("bad processContents {other:?}"),
                ));
            }
        };
        Ok(Wildcard { ns, process })
    }

    /// Stores a particle with its nullability and first set, computed from its parts
    /// (which are always stored before it).
    fn group_particle(&mut self, term: Term, min: u32, max: Option<u32>) -> PartIx {
        let mut first = FirstSet::default();
        let term_nullable = match &term {
            Term::Element(e) => {
                first.names.push(self.out.element(*e).name);
                false
            }
            Term::Any(w) => {
                first.wildcards.push(w.ns.clone());
                false
            }
            Term::Sequence(parts) => {
                let mut nullable = true;
                for p in parts {
                    let part = self.out.particle(*p);
                    first.names.extend_from_slice(&part.first.names);
                    first.wildcards.extend(part.first.wildcards.iter().cloned());
                    if !part.nullable() {
                        nullable = false;
                        break;
                    }
                }
                nullable
            }
            Term::Choice(parts) => {
                let mut nullable = parts.is_empty();
                for p in parts {
                    let part = self.out.particle(*p);
                    first.names.extend_from_slice(&part.first.names);
                    first.wildcards.extend(part.first.wildcards.iter().cloned());
                    nullable |= part.nullable();
                }
                nullable
            }
        };
        first.names.sort_unstable();
        first.names.dedup();
        let ix = self.out.particles.len() as PartIx;
        self.out.particles.push(Particle {
            min,
            max,
            term,
            term_nullable,
            first,
        });
        ix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_namespaces_handle_line_breaks_before_values() {
        let text = "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns=\n  \"urn:a\"\n xmlns:b='urn:b' targetNamespace=\"urn:a\">";
        let map = root_namespaces(text, 0);
        assert_eq!(map.get("").map(String::as_str), Some("urn:a"));
        assert_eq!(map.get("b").map(String::as_str), Some("urn:b"));
        assert_eq!(map.get("xsd").map(String::as_str), Some(XSD_NS));
    }
}
