//! Untagged unions: a value is decoded as each variant in turn and takes the
//! first that fits, so a variant that accepts every value of a later one
//! hides it for good. Such unions are reported (`E0206`).

use gatic_ir::{Primitive, Ty};
use gatic_syntax::{Diagnostic, Span, codes};

use crate::check::{Base, Ctx, DeclKind};

/// How deep [`Ctx::accepts`] follows lists, maps and record fields before
/// giving up (and assuming the variants can be told apart).
const MAX_DEPTH: usize = 8;

impl Ctx<'_> {
    /// Reports each variant of an untagged union that an earlier variant
    /// hides. `variants` holds each variant's name, type and type span.
    pub(crate) fn check_untagged_order(&mut self, variants: &[(String, Ty, Span)]) {
        for (j, (later, later_ty, span)) in variants.iter().enumerate() {
            let hidden_by = variants[..j]
                .iter()
                .find(|(_, earlier_ty, _)| self.accepts(earlier_ty, later_ty, 0));
            if let Some((earlier, _, earlier_span)) = hidden_by {
                self.push(
                    Diagnostic::error(
                        codes::BAD_UNION,
                        *span,
                        format!(
                            "variant `{later}` is never decoded: every value of it is also a valid `{earlier}`, which is tried first"
                        ),
                        )
                    .with_label("hidden by an earlier variant")
                    .with_secondary(*earlier_span, "tried first")
                    .with_note("list the more specific variant first, or tag the union with `@tag(field)`"),
                );
            }
        }
    }

    /// Whether every JSON value that decodes as `b` also decodes as `a`
    /// (refinements are checked after decoding, so they do not count). Errs
    /// towards `false`: an unsure answer never reports a union.
    fn accepts(&mut self, a: &Ty, b: &Ty, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let (ea, eb) = (self.effective(a), self.effective(b));
        if matches!(ea.base, Base::Prim(Primitive::Any)) {
            return true;
        }
        if eb.nullable && !ea.nullable {
            return false;
        }
        let texts =
            |p: Primitive| matches!(p, Primitive::String | Primitive::Email | Primitive::Url);
        match (&ea.base, &eb.base) {
            (Base::Prim(x), Base::Prim(y)) => {
                x == y
                    || (texts(*x) && texts(*y))
                    || (*x == Primitive::Float64
                        && matches!(y, Primitive::Int32 | Primitive::Int64))
                    || (*x == Primitive::Int64 && *y == Primitive::Int32)
            }
            (Base::Prim(x), Base::Enum(_)) => texts(*x),
            (Base::Enum(x), Base::Enum(y)) => {
                let values = |cx: &Self, idx: usize| -> Vec<String> {
                    match cx.decls[idx].kind {
                        DeclKind::Enum(e) => e.values.iter().map(|v| v.name.name.clone()).collect(),
                        _ => Vec::new(),
                    }
                };
                let (va, vb) = (values(self, *x), values(self, *y));
                vb.iter().all(|v| va.contains(v))
            }
            (Base::List(x), Base::List(y)) | (Base::Map(x), Base::Map(y)) => {
                let (x, y) = (x.clone(), y.clone());
                self.accepts(&x, &y, depth + 1)
            }
            (Base::Map(x), Base::Record(r)) => {
                let x = x.clone();
                let fields = self.record_fields(*r, None).unwrap_or_default();
                fields
                    .iter()
                    .all(|f| self.accepts(&x, &f.field.ty, depth + 1))
            }
            (Base::Record(x), Base::Record(y)) => {
                let (x, y) = (*x, *y);
                if x == y {
                    return true;
                }
                let fa = self.record_fields(x, None).unwrap_or_default();
                let fb = self.record_fields(y, None).unwrap_or_default();
                // `a` needs each of its required fields in every `b` value, and
                // takes each field both have only if it decodes `b`'s.
                for f in fa.iter() {
                    let required = !f.field.optional && f.field.default.is_none();
                    match fb.iter().find(|g| g.field.name == f.field.name) {
                        Some(g) => {
                            let always = !g.field.optional && g.field.default.is_none();
                            if required && !always {
                                return false;
                            }
                            let (ta, tb) = (f.field.ty.clone(), g.field.ty.clone());
                            if !self.accepts(&ta, &tb, depth + 1) {
                                return false;
                            }
                        }
                        None if required => return false,
                        None => {}
                    }
                }
                true
            }
            _ => false,
        }
    }
}
