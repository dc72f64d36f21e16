//! Complex types: content (simple, complex, empty, mixed), derivation by extension
//! and restriction, attribute uses and attribute wildcards.

use crate::fxhash::FxHashMap;
use crate::xml::Node;

use super::super::datatypes::Builtin;
use super::super::model::{
    AttributeUse, ComplexType, Content, ElemIx, NameIx, PartIx, SimpleIx, Term, TypeDef, TypeIx,
};
use super::sources::{At, invalid, xs};
use super::{CompileError, Compiler, Slot, TypeRef};

impl<'s> Compiler<'s> {
    /// Compiles the body of a reserved complex type slot.
    pub(super) fn finish_type(&mut self, ix: TypeIx) -> Result<(), CompileError> {
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
    pub(super) fn ensure(&mut self, ix: TypeIx, file: usize) -> Result<(), CompileError> {
        match self.pending.get(&ix) {
            Some(Slot::Pending(_)) => self.finish_type(ix),
            Some(Slot::InProgress) => {
                Err(invalid(self.file(file).name, "circular type derivation"))
            }
            None => Ok(()),
        }
    }

    pub(super) fn complex_type(&mut self, at: At) -> Result<ComplexType, CompileError> {
        let (file, node) = (at.0, self.node(at));
        let mixed = node.attr("mixed") == Some("true");
        let mut ct = ComplexType {
            attributes: Vec::new(),
            required: Vec::new(),
            any_attribute: false,
            content: Content::Empty,
            locals: FxHashMap::default(),
            flat: None,
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
            ct.flat = self.flat_model(particle);
        }
        ct.required = ct
            .attributes
            .iter()
            .filter(|a| a.required)
            .map(|a| a.name)
            .collect();
        Ok(ct)
    }

    pub(super) fn collect_locals(&self, p: PartIx, out: &mut FxHashMap<NameIx, ElemIx>) {
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
    pub(super) fn attribute_item(
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

    pub(super) fn attribute(
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
    pub(super) fn inherit(
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

    pub(super) fn derivation(
        &self,
        file: usize,
        content: Node<'s>,
    ) -> Result<(Node<'s>, bool), CompileError> {
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

    pub(super) fn simple_content(
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

    pub(super) fn complex_content(
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
}
