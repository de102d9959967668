//! CVSS v3.0 and v3.1 base score (specification §7.1, with v3.1's Roundup from Appendix A).

use super::{lookup, metrics};

const KNOWN: [&str; 22] = [
    "AV", "AC", "PR", "UI", "S", "C", "I", "A", "E", "RL", "RC", "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS",
    "MC", "MI", "MA",
];

pub(super) fn base_score(vector: &str, v3_1: bool) -> Option<f64> {
    let m = metrics(vector, &KNOWN)?;
    let changed = match m.iter().find(|(k, _)| *k == "S")?.1 {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = lookup(&m, "AV", &[("N", 0.85), ("A", 0.62), ("L", 0.55), ("P", 0.2)])?;
    let ac = lookup(&m, "AC", &[("L", 0.77), ("H", 0.44)])?;
    let pr_table =
        if changed { [("N", 0.85), ("L", 0.68), ("H", 0.5)] } else { [("N", 0.85), ("L", 0.62), ("H", 0.27)] };
    let pr = lookup(&m, "PR", &pr_table)?;
    let ui = lookup(&m, "UI", &[("N", 0.85), ("R", 0.62)])?;
    let cia = [("H", 0.56), ("L", 0.22), ("N", 0.0)];
    let (c, i, a) = (lookup(&m, "C", &cia)?, lookup(&m, "I", &cia)?, lookup(&m, "A", &cia)?);
    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if changed { 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15) } else { 6.42 * iss };
    if impact <= 0.0 {
        return Some(0.0);
    }
    let exploitability = 8.22 * av * ac * pr * ui;
    let raw = if changed { (1.08 * (impact + exploitability)).min(10.0) } else { (impact + exploitability).min(10.0) };
    Some(if v3_1 { roundup_31(raw) } else { (raw * 10.0).ceil() / 10.0 })
}

/// v3.1 Roundup: the smallest one-decimal number >= input, robust to floating-point noise.
fn roundup_31(x: f64) -> f64 {
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 { int_input as f64 / 100_000.0 } else { ((int_input / 10_000) + 1) as f64 / 10.0 }
}
