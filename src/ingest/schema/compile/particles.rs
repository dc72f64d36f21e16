//! Content-model particles: sequence, choice, group references, elements and
//! wildcards, each stored with its nullability and first set.

use crate::xml::Node;

use super::super::model::{
    FirstSet, FlatMember, FlatModel, NameIx, NameTable, NsConstraint, PartIx, Particle, Process,
    Term, Wildcard,
};
use super::sources::{invalid, xs};
use super::{CompileError, Compiler};

impl<'s> Compiler<'s> {
    pub(super) fn occurs(
        &self,
        file: usize,
        node: Node<'s>,
    ) -> Result<(u32, Option<u32>), CompileError> {
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

    pub(super) fn particle(&mut self, file: usize, node: Node<'s>) -> Result<PartIx, CompileError> {
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

    pub(super) fn wildcard(
        &mut self,
        file: usize,
        node: Node<'s>,
    ) -> Result<Wildcard, CompileError> {
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
    pub(super) fn group_particle(&mut self, term: Term, min: u32, max: Option<u32>) -> PartIx {
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
        let index = match &term {
            Term::Sequence(parts) => self.sequence_index(parts),
            _ => None,
        };
        let ix = self.out.particles.len() as PartIx;
        self.out.particles.push(Particle {
            min,
            max,
            term,
            term_nullable,
            first,
            index,
        });
        ix
    }

    /// The name index of a sequence whose parts are all element particles with
    /// distinct names (the usual shape of a UBL or CII aggregate); `None` otherwise.
    fn sequence_index(&self, parts: &[PartIx]) -> Option<Box<[(NameIx, u32)]>> {
        let mut index = Vec::with_capacity(parts.len());
        for (position, p) in parts.iter().enumerate() {
            let part = self.out.particle(*p);
            if !matches!(part.term, Term::Element(_)) {
                return None;
            }
            index.push((*part.first.names.first()?, position as u32));
        }
        index.sort_unstable();
        if index.windows(2).any(|w| w[0].0 == w[1].0) {
            return None;
        }
        Some(index.into_boxed_slice())
    }

    /// The flat table of a content model that is a sequence or a choice, occurring
    /// exactly once, of element particles with distinct names; `None` for any other
    /// shape (groups, wildcards, nested sequences, repeated or optional groups), which
    /// the particle matcher handles.
    pub(super) fn flat_model(&self, root: PartIx) -> Option<FlatModel> {
        let part = self.out.particle(root);
        if part.min != 1 || part.max != Some(1) {
            return None;
        }
        let (parts, choice) = match &part.term {
            Term::Sequence(parts) => (parts, false),
            Term::Choice(parts) => (parts, true),
            Term::Element(_) | Term::Any(_) => return None,
        };
        let mut index = Vec::with_capacity(parts.len());
        let mut members = Vec::with_capacity(parts.len());
        let mut required_before = Vec::with_capacity(parts.len() + 1);
        let mut required = 0;
        for (position, p) in parts.iter().enumerate() {
            let member = self.out.particle(*p);
            let Term::Element(decl) = member.term else {
                return None;
            };
            index.push((self.out.element(decl).name, position as u32));
            members.push(FlatMember {
                decl,
                min: member.min,
                max: member.max,
            });
            required_before.push(required);
            required += u32::from(member.min > 0);
        }
        required_before.push(required);
        index.sort_unstable();
        if index.windows(2).any(|w| w[0].0 == w[1].0) {
            return None;
        }
        Some(FlatModel {
            choice,
            by_name: NameTable::new(&index),
            members: members.into_boxed_slice(),
            required_before: required_before.into_boxed_slice(),
        })
    }
}
