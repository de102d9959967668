//! `cel=<expression>` gates: a [CEL](https://cel.dev) expression over the facts of a promotion, for
//! what the declarative gates do not cover. Compiled when the gate is configured (a syntax error is
//! refused then) and again when judged; it passes only when it evaluates to `true`.
//!
//! # Fact schema
//!
//! The variables an expression sees (the names are stable; `docs/cel.md` has the same table):
//!
//! | variable | type | what |
//! |---|---|---|
//! | `artifact` | map | the version promoted, as the source holds it: `repository`, `package`, `version` (string, or `null` when promoted by digest), `digest`, `media_type` (strings), `created_at` (timestamp: when it was pushed) |
//! | `source`, `target` | map | `repository` (string), `stage` (string, or `null` when the repository has none) |
//! | `signatures` | list of maps | `signer`: the trust root name or certificate subject; only signatures verified against the target's trust roots |
//! | `provenance` | list of maps | `builder_id` (string), `source_repository` (string or `null`); only SLSA provenance verified against the target's trust roots |
//! | `sboms` | list of strings | the formats or media types of the SBOMs present |
//! | `findings` | list of maps | `id` (advisory id), `severity` (`critical`, `high`, `medium` or `low`) |
//! | `scanned` | bool | whether any scan result exists |
//! | `approvals` | list of maps | `principal` (string), `at` (timestamp) |
//! | `now` | timestamp | the time of the evaluation |
//! | `arrived_at` | timestamp or `null` | when the version arrived in the source stage |
//!
//! Times are CEL timestamps and their differences durations: `now - artifact.created_at >
//! duration("24h")`.
//!
//! # Bounds
//!
//! An expression is at most [`MAX_CEL_BYTES`], its syntax tree at most [`MAX_DEPTH`] deep (deeper
//! trees would exhaust the stack when evaluated) with at most [`MAX_NESTED_MACROS`] macros
//! (`exists`, `all`, `map`, `filter`, `exists_one`) inside one another, so evaluation takes at most
//! about (facts)² steps. CEL has no loops. `matches` uses the `regex` crate: matching is linear in
//! the text, and compiling a pattern is capped by that crate's 10 MiB program size limit.

use super::evaluate::{Facts, StageFacts};
use crate::meta::Millis;
use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::common::value::Val;
use cel::objects::{Key, Map};
use cel::{Context, Program, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The longest expression accepted (without `cel=`).
pub const MAX_CEL_BYTES: usize = 2048;
/// The deepest syntax tree accepted.
pub const MAX_DEPTH: usize = 100;
/// Comprehension macros (`exists`, `all`, …) inside one another at most.
pub const MAX_NESTED_MACROS: usize = 2;
/// Parse errors shown at most.
const SHOWN_ERRORS: usize = 3;

/// Compiles an expression, or says why it is not one.
pub(super) fn compile(expression: &str) -> Result<Program, String> {
    if expression.len() > MAX_CEL_BYTES {
        return Err(format!("the expression is {} bytes; at most {MAX_CEL_BYTES} are allowed", expression.len()));
    }
    let program = Program::compile(expression).map_err(|errors| {
        let shown: Vec<String> = (errors.errors.iter().take(SHOWN_ERRORS))
            .map(|e| {
                let message = if e.msg.contains("Recursion limit") {
                    "nested too deeply".to_owned()
                } else {
                    e.msg.strip_prefix("Syntax error: ").unwrap_or(&e.msg).replace('\n', " ")
                };
                format!("{message} (at {}:{})", e.pos.0, e.pos.1)
            })
            .collect();
        let more = errors.errors.len().saturating_sub(SHOWN_ERRORS);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        format!("the expression does not parse: {}{more}", shown.join("; "))
    })?;
    check_shape(program.expression())?;
    Ok(program)
}

/// Walks the tree without recursion: at most [`MAX_DEPTH`] deep, [`MAX_NESTED_MACROS`] macros nested.
fn check_shape(root: &IdedExpr) -> Result<(), String> {
    let mut stack: Vec<(&IdedExpr, usize, usize)> = vec![(root, 1, 0)];
    while let Some((node, depth, nested)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(format!("the expression is nested too deeply (at most {MAX_DEPTH} levels)"));
        }
        if nested > MAX_NESTED_MACROS {
            return Err(format!(
                "at most {MAX_NESTED_MACROS} macros (exists, all, exists_one, map, filter) may be nested"
            ));
        }
        let next = depth + 1;
        match &node.expr {
            Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => {}
            Expr::Call(call) => {
                stack.extend(call.target.as_deref().map(|t| (t, next, nested)));
                stack.extend(call.args.iter().map(|a| (a, next, nested)));
            }
            Expr::Comprehension(c) => {
                stack.extend([(&c.iter_range, next, nested), (&c.accu_init, next, nested)]);
                stack.extend([&c.loop_cond, &c.loop_step, &c.result].map(|e| (e, next, nested + 1)));
            }
            Expr::List(list) => stack.extend(list.elements.iter().map(|e| (e, next, nested))),
            Expr::Map(map) => stack.extend(map.entries.iter().flat_map(|e| entry(&e.expr)).map(|e| (e, next, nested))),
            Expr::Select(select) => stack.push((&select.operand, next, nested)),
            Expr::Struct(s) => stack.extend(s.entries.iter().flat_map(|e| entry(&e.expr)).map(|e| (e, next, nested))),
        }
    }
    Ok(())
}

fn entry(entry: &EntryExpr) -> Vec<&IdedExpr> {
    match entry {
        EntryExpr::StructField(field) => vec![&field.value],
        EntryExpr::MapEntry(map) => vec![&map.key, &map.value],
    }
}

/// Evaluates `expression` over `facts`: `(passed, reason)`. Passes only on `true`.
pub(super) fn judge(expression: &str, facts: &Facts) -> (bool, String) {
    let failed = |why: String| (false, format!("expression failed: {why}"));
    let program = match compile(expression) {
        Ok(program) => program,
        Err(why) => return failed(why),
    };
    let context = match context(facts) {
        Ok(context) => context,
        Err(why) => return failed(why),
    };
    match program.execute(&context) {
        Ok(Value::Bool(true)) => (true, "expression holds".to_owned()),
        Ok(Value::Bool(false)) => (false, "expression is false".to_owned()),
        Ok(other) => failed(format!("it gave {}, not a bool", other.type_of())),
        Err(e) => failed(cut(&e.to_string())),
    }
}

/// An error message on one line, at most 300 characters.
fn cut(message: &str) -> String {
    let line = message.replace('\n', " ");
    match line.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// The variables of the fact schema.
fn context(facts: &Facts) -> Result<Context<'static, 'static>, String> {
    let text = |s: &str| Value::String(Arc::new(s.to_owned()));
    let optional = |s: Option<&str>| s.map_or(Value::Null, text);
    let a = &facts.artifact;
    let artifact = map([
        ("repository", text(&a.repository)),
        ("package", text(&a.package)),
        ("version", optional(a.version.as_deref())),
        ("digest", text(&a.digest)),
        ("media_type", text(&a.media_type)),
        ("created_at", timestamp(a.created_at)?),
    ]);
    let stage = |s: &StageFacts| map([("repository", text(&s.repository)), ("stage", optional(s.stage.as_deref()))]);
    let signatures = facts.signatures.iter().map(|s| map([("signer", text(&s.key_id))])).collect();
    let provenance = (facts.provenance.iter())
        .map(|p| {
            map([("builder_id", text(&p.builder_id)), ("source_repository", optional(p.source_repository.as_deref()))])
        })
        .collect();
    let findings =
        (facts.findings.iter()).map(|f| map([("id", text(&f.id)), ("severity", text(f.severity.as_str()))])).collect();
    let approvals = (facts.approvals.iter())
        .map(|a| Ok(map([("principal", text(&a.principal)), ("at", timestamp(a.at)?)])))
        .collect::<Result<Vec<Value>, String>>()?;
    let variables = [
        ("artifact", artifact),
        ("source", stage(&facts.source)),
        ("target", stage(&facts.target)),
        ("signatures", list(signatures)),
        ("provenance", list(provenance)),
        ("sboms", list(facts.sboms.iter().map(|s| text(s)).collect())),
        ("findings", list(findings)),
        ("scanned", Value::Bool(facts.scanned)),
        ("approvals", list(approvals)),
        ("now", timestamp(facts.now)?),
        ("arrived_at", facts.arrived_at.map(timestamp).transpose()?.unwrap_or(Value::Null)),
    ];
    let mut context = Context::default();
    for (name, value) in variables {
        let value = Box::<dyn Val>::try_from(value).map_err(|e| format!("fact `{name}`: {e}"))?;
        context.add_variable_as_val(name, value);
    }
    Ok(context)
}

fn map<const N: usize>(fields: [(&str, Value); N]) -> Value {
    let fields: HashMap<Key, Value> =
        fields.into_iter().map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v)).collect();
    Value::Map(Map::from(fields))
}

fn list(items: Vec<Value>) -> Value {
    Value::List(Arc::new(items))
}

fn timestamp(at: Millis) -> Result<Value, String> {
    chrono::DateTime::from_timestamp_millis(at)
        .map(|t| Value::Timestamp(t.fixed_offset()))
        .ok_or_else(|| format!("the time {at} ms is out of range"))
}
