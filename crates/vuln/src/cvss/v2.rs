//! CVSS v2 base score (CVSS v2 guide §3.2.1).

use super::{lookup, metrics};

const KNOWN: [&str; 14] = ["AV", "AC", "Au", "C", "I", "A", "E", "RL", "RC", "CDP", "TD", "CR", "IR", "AR"];

pub(super) fn base_score(vector: &str) -> Option<f64> {
    let m = metrics(vector, &KNOWN)?;
    let av = lookup(&m, "AV", &[("L", 0.395), ("A", 0.646), ("N", 1.0)])?;
    let ac = lookup(&m, "AC", &[("H", 0.35), ("M", 0.61), ("L", 0.71)])?;
    let au = lookup(&m, "Au", &[("M", 0.45), ("S", 0.56), ("N", 0.704)])?;
    let cia = [("N", 0.0), ("P", 0.275), ("C", 0.660)];
    let (c, i, a) = (lookup(&m, "C", &cia)?, lookup(&m, "I", &cia)?, lookup(&m, "A", &cia)?);
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let score = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
    Some((score * 10.0).round() / 10.0)
}
