//! Matches the child elements of one element against its content model.
//!
//! The official schemas satisfy Unique Particle Attribution, so at every point the
//! next child selects at most one particle: a greedy walk that consults precomputed
//! first sets decides without backtracking, in time linear in the number of children
//! (times the nesting of the model, which the schema bounds).

use super::model::{ElemIx, FlatModel, NameIx, NsIx, PartIx, Process, SchemaSet, Term};

/// A child element as the schema set sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kid {
    /// `None` when the namespace is unknown to the schema set.
    pub ns: Option<NsIx>,
    /// `None` when the name is unknown to the schema set.
    pub name: Option<NameIx>,
}

/// What a matched child is to be validated against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Assign {
    Decl(ElemIx),
    /// Matched by a wildcard without a declaration to check it against.
    Wild(Process),
    /// Matched by a strict wildcard, but no global declaration exists.
    Undeclared,
}

/// Why the children do not match.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ModelError {
    /// The child at this index is not allowed there.
    Unexpected { at: usize, expected: Vec<PartIx> },
    /// The children end before the content model is satisfied.
    Incomplete { expected: Vec<PartIx> },
}

/// The matcher's working vectors, kept by the caller and reused for every element
/// so matching allocates nothing once they have grown.
#[derive(Default)]
pub(crate) struct Buffers {
    /// The assignment of the children matched (a prefix of the children when
    /// there is an error).
    pub out: Vec<Assign>,
    /// Particles tried at the current position since the last child was consumed:
    /// what the document could have had instead, for the error message.
    expected: Vec<PartIx>,
}

/// Matches children one at a time against a [`FlatModel`], accepting exactly the
/// children [`match_children`] accepts, with the same declarations. It only says
/// yes or no: refused children go to [`match_children`] for the error and message.
pub(crate) struct FlatMatch<'m> {
    model: &'m FlatModel,
    /// The member the last child matched and how many children in a row it took.
    run: Option<(usize, u32)>,
    /// The first member the next new run may start at (sequences only).
    next: usize,
}

impl<'m> FlatMatch<'m> {
    pub fn new(model: &'m FlatModel) -> Self {
        FlatMatch {
            model,
            run: None,
            next: 0,
        }
    }

    /// The declaration of the next child, or `None` when the table refuses it.
    #[inline]
    pub fn child(&mut self, name: Option<NameIx>) -> Option<ElemIx> {
        let model = self.model;
        let j = model.member_of(name?)?;
        let member = &model.members[j];
        let count = match self.run {
            Some((current, count)) if current == j => count + 1,
            previous => {
                if let Some((current, count)) = previous {
                    // The run that ends must have reached its minimum; a choice
                    // takes one member only.
                    if count < model.members[current].min || model.choice {
                        return None;
                    }
                }
                // In a sequence the members run in order, and those jumped over
                // must be optional.
                if !model.choice && (j < self.next || !model.may_skip(self.next, j)) {
                    return None;
                }
                self.next = j + 1;
                1
            }
        };
        if member.max.is_some_and(|max| count > max) {
            return None;
        }
        self.run = Some((j, count));
        Some(member.decl)
    }

    /// After the last child: is the content complete?
    pub fn finish(&self) -> bool {
        let model = self.model;
        let members = model.members.len();
        match self.run {
            Some((current, count)) if count < model.members[current].min => false,
            Some(_) if model.choice => true,
            // An empty choice, or one with an optional member, matches nothing.
            None if model.choice => {
                members == 0 || (model.required_before[members] as usize) < members
            }
            _ => model.may_skip(self.next, members),
        }
    }
}

/// Matches `kids` against `root`, leaving the assignment in `buffers.out`. Returns
/// the error, if any.
pub(crate) fn match_children(
    set: &SchemaSet,
    root: PartIx,
    kids: &[Kid],
    buffers: &mut Buffers,
) -> Option<ModelError> {
    // Valid content, the usual case, is matched with the sequence indexes and without
    // recording what was expected; only content in error is matched again, trying
    // every particle, for the message.
    run(set, root, kids, buffers, false)?;
    run(set, root, kids, buffers, true)
}

fn run(
    set: &SchemaSet,
    root: PartIx,
    kids: &[Kid],
    buffers: &mut Buffers,
    track: bool,
) -> Option<ModelError> {
    buffers.out.clear();
    buffers.expected.clear();
    let mut m = Matcher {
        set,
        kids,
        pos: 0,
        out: &mut buffers.out,
        expected: &mut buffers.expected,
        track,
    };
    let ok = m.particle(root).is_ok();
    if ok && m.pos == kids.len() {
        None
    } else if m.pos < kids.len() {
        Some(ModelError::Unexpected {
            at: m.pos,
            expected: m.expected.clone(),
        })
    } else {
        Some(ModelError::Incomplete {
            expected: m.expected.clone(),
        })
    }
}

struct Matcher<'a> {
    set: &'a SchemaSet,
    kids: &'a [Kid],
    pos: usize,
    out: &'a mut Vec<Assign>,
    expected: &'a mut Vec<PartIx>,
    /// Record `expected` and try every particle (the error pass), rather than jump
    /// through sequence indexes.
    track: bool,
}

/// The content model cannot be satisfied at the current position.
struct Stuck;

impl Matcher<'_> {
    fn starts(&self, p: PartIx) -> bool {
        let Some(kid) = self.kids.get(self.pos) else {
            return false;
        };
        let first = &self.set.particle(p).first;
        kid.name
            .is_some_and(|n| first.names.binary_search(&n).is_ok())
            || first.wildcards.iter().any(|w| w.allows(kid.ns))
    }

    /// Matches a particle with its occurrence bounds, greedily.
    fn particle(&mut self, p: PartIx) -> Result<(), Stuck> {
        let part = self.set.particle(p);
        let mut count = 0u32;
        while part.max.is_none_or(|max| count < max) {
            if !self.starts(p) {
                if self.track {
                    self.expected.push(p);
                }
                break;
            }
            let before = self.pos;
            self.term(p)?;
            count += 1;
            // A term that consumed nothing would loop forever; UPA-conformant schemas
            // never get here, but a bound costs nothing.
            if self.pos == before {
                break;
            }
        }
        if count < part.min && !part.term_nullable {
            return Err(Stuck);
        }
        Ok(())
    }

    /// Matches one occurrence of the particle's term.
    fn term(&mut self, p: PartIx) -> Result<(), Stuck> {
        match &self.set.particle(p).term {
            Term::Element(e) => self.consume(Assign::Decl(*e)),
            Term::Any(w) => {
                let assign = match w.process {
                    Process::Skip => Assign::Wild(Process::Skip),
                    process => {
                        let global = self
                            .kids
                            .get(self.pos)
                            .and_then(|k| k.name)
                            .and_then(|n| self.set.globals.get(&n));
                        match (global, process) {
                            (Some(g), _) => Assign::Decl(*g),
                            (None, Process::Strict) => Assign::Undeclared,
                            (None, _) => Assign::Wild(Process::Lax),
                        }
                    }
                };
                self.consume(assign)
            }
            Term::Sequence(parts) => match &self.set.particle(p).index {
                Some(index) if !self.track => self.indexed_sequence(parts, index),
                _ => {
                    for q in parts {
                        self.particle(*q)?;
                    }
                    Ok(())
                }
            },
            Term::Choice(parts) => match parts.iter().find(|q| self.starts(**q)) {
                Some(q) => self.particle(*q),
                None => {
                    if self.track {
                        self.expected.extend_from_slice(parts);
                    }
                    if self.set.particle(p).term_nullable {
                        Ok(())
                    } else {
                        Err(Stuck)
                    }
                }
            },
        }
    }

    /// The walk of a sequence over `parts`, jumping to the particle the next child
    /// starts. With distinct names at most one particle can take the child, and the
    /// particles jumped over match nothing, so they must be nullable: the same result
    /// as trying each in turn, without the tries.
    fn indexed_sequence(&mut self, parts: &[PartIx], index: &[(NameIx, u32)]) -> Result<(), Stuck> {
        let mut i = 0;
        while i < parts.len() {
            let target = self
                .kids
                .get(self.pos)
                .and_then(|k| k.name)
                .and_then(|n| index.binary_search_by_key(&n, |(name, _)| *name).ok())
                .map(|at| index[at].1 as usize)
                .filter(|&j| j >= i);
            let skipped = &parts[i..target.unwrap_or(parts.len())];
            if skipped.iter().any(|q| !self.set.particle(*q).nullable()) {
                return Err(Stuck);
            }
            let Some(j) = target else {
                return Ok(());
            };
            self.particle(parts[j])?;
            i = j + 1;
        }
        Ok(())
    }

    fn consume(&mut self, assign: Assign) -> Result<(), Stuck> {
        self.out.push(assign);
        self.pos += 1;
        self.expected.clear();
        Ok(())
    }
}
