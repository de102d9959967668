//! CVSS v4.0 score: FIRST's MacroVector algorithm (specification §8, reference calculator `cvss40.js`).
//!
//! The vector is reduced to six equivalence-class levels (the MacroVector), whose expert-assigned score
//! comes from [`v4_table`]; the score is then lowered by the vector's mean proportional distance from
//! the most severe vectors of its MacroVector, towards each next-lower MacroVector. Floating-point
//! operations are done in the reference's order so results round identically.

#[path = "v4_table.rs"]
mod v4_table;

use std::collections::HashMap;

/// Every metric with its allowed values; the first eleven (base) are mandatory.
const METRICS: [(&str, &[&str]); 32] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

/// Severity level of each value of the metrics that enter the distance computation (reference order).
const LEVELS: [(&str, &[(&str, f64)]); 15] = [
    ("AV", &[("N", 0.0), ("A", 0.1), ("L", 0.2), ("P", 0.3)]),
    ("PR", &[("N", 0.0), ("L", 0.1), ("H", 0.2)]),
    ("UI", &[("N", 0.0), ("P", 0.1), ("A", 0.2)]),
    ("AC", &[("L", 0.0), ("H", 0.1)]),
    ("AT", &[("N", 0.0), ("P", 0.1)]),
    ("VC", &[("H", 0.0), ("L", 0.1), ("N", 0.2)]),
    ("VI", &[("H", 0.0), ("L", 0.1), ("N", 0.2)]),
    ("VA", &[("H", 0.0), ("L", 0.1), ("N", 0.2)]),
    ("SC", &[("H", 0.1), ("L", 0.2), ("N", 0.3)]),
    ("SI", &[("S", 0.0), ("H", 0.1), ("L", 0.2), ("N", 0.3)]),
    ("SA", &[("S", 0.0), ("H", 0.1), ("L", 0.2), ("N", 0.3)]),
    ("CR", &[("H", 0.0), ("M", 0.1), ("L", 0.2)]),
    ("IR", &[("H", 0.0), ("M", 0.1), ("L", 0.2)]),
    ("AR", &[("H", 0.0), ("M", 0.1), ("L", 0.2)]),
    ("E", &[("U", 0.2), ("P", 0.1), ("A", 0.0)]),
];

/// The most severe vectors of each EQ level (`MAX_COMPOSED`); EQ3 is indexed by EQ3 then EQ6.
const EQ1_MAX: [&[&str]; 3] = [
    &["AV:N/PR:N/UI:N"],
    &["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"],
    &["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"],
];
const EQ2_MAX: [&[&str]; 2] = [&["AC:L/AT:N"], &["AC:H/AT:N", "AC:L/AT:P"]];
const EQ3_EQ6_MAX: [[&[&str]; 2]; 3] = [
    [&["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"], &["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"]],
    [
        &["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"],
        &[
            "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
            "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
            "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
            "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
            "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
        ],
    ],
    [&[], &["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"]],
];
const EQ4_MAX: [&[&str]; 3] = [&["SC:H/SI:S/SA:S"], &["SC:H/SI:H/SA:H"], &["SC:L/SI:L/SA:L"]];
const EQ5_MAX: [&[&str]; 3] = [&["E:A"], &["E:P"], &["E:U"]];

/// Depth of each MacroVector level, in steps of 0.1 (`MAX_SEVERITY`).
const EQ1_DEPTH: [u8; 3] = [1, 4, 5];
const EQ2_DEPTH: [u8; 2] = [1, 2];
const EQ3_EQ6_DEPTH: [[u8; 2]; 3] = [[7, 6], [8, 8], [0, 10]];
const EQ4_DEPTH: [u8; 3] = [6, 5, 4];
const STEP: f64 = 0.1;

/// A parsed vector: every metric's selected value (`X` when absent).
struct Vector<'a>(HashMap<&'a str, &'a str>);

impl<'a> Vector<'a> {
    fn parse(vector: &'a str) -> Option<Self> {
        let mut selected: HashMap<&str, &str> = HashMap::new();
        for part in vector.split('/') {
            let (key, value) = part.split_once(':')?;
            let (name, allowed) = METRICS.iter().find(|(name, _)| *name == key)?;
            if !allowed.contains(&value) || selected.insert(name, value).is_some() {
                return None;
            }
        }
        if METRICS[..11].iter().any(|(name, _)| !selected.contains_key(name)) {
            return None;
        }
        Some(Self(selected))
    }

    fn raw(&self, metric: &str) -> &str {
        self.0.get(metric).copied().unwrap_or("X")
    }

    /// The value that counts: worst case for unset threat/requirement metrics, else the modified
    /// (environmental) value when set, else the base value.
    fn effective(&self, metric: &str) -> &str {
        let raw = self.raw(metric);
        match (metric, raw) {
            ("E", "X") => return "A",
            ("CR" | "IR" | "AR", "X") => return "H",
            _ => {}
        }
        match self.0.get(format!("M{metric}").as_str()) {
            Some(value) if *value != "X" => value,
            _ => raw,
        }
    }

    fn macro_vector(&self) -> [u8; 6] {
        let e = |m: &str| self.effective(m);
        let (av, pr, ui) = (e("AV"), e("PR"), e("UI"));
        let eq1 = if av == "N" && pr == "N" && ui == "N" {
            0
        } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
            1
        } else {
            2
        };
        let eq2 = if e("AC") == "L" && e("AT") == "N" { 0 } else { 1 };
        let (vc, vi, va) = (e("VC"), e("VI"), e("VA"));
        let eq3 = if vc == "H" && vi == "H" {
            0
        } else if vc == "H" || vi == "H" || va == "H" {
            1
        } else {
            2
        };
        let eq4 = if self.raw("MSI") == "S" || self.raw("MSA") == "S" {
            0
        } else if e("SC") == "H" || e("SI") == "H" || e("SA") == "H" {
            1
        } else {
            2
        };
        let eq5 = match e("E") {
            "A" => 0,
            "P" => 1,
            _ => 2,
        };
        let eq6 = if (e("CR") == "H" && vc == "H") || (e("IR") == "H" && vi == "H") || (e("AR") == "H" && va == "H") {
            0
        } else {
            1
        };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }
}

fn lookup(eq: [u8; 6]) -> Option<f64> {
    v4_table::LOOKUP.binary_search_by(|(key, _)| key.cmp(&eq)).ok().map(|i| v4_table::LOOKUP[i].1)
}

fn level(metric: &str, value: &str) -> Option<f64> {
    let (_, levels) = LEVELS.iter().find(|(m, _)| *m == metric)?;
    levels.iter().find(|(v, _)| *v == value).map(|(_, l)| *l)
}

/// Distance of the vector from one max vector, per metric in [`LEVELS`] order.
fn distances(vector: &Vector<'_>, max: &str) -> Option<Vec<f64>> {
    let max: HashMap<&str, &str> = max.split('/').filter_map(|p| p.split_once(':')).collect();
    LEVELS
        .iter()
        .map(|(metric, _)| Some(level(metric, vector.effective(metric))? - level(metric, max.get(metric)?)?))
        .collect()
}

/// The CVSS v4.0 score of `vector` (without the `CVSS:4.0/` prefix).
pub(super) fn base_score(vector: &str) -> Option<f64> {
    let vector = Vector::parse(vector)?;
    if ["VC", "VI", "VA", "SC", "SI", "SA"].iter().all(|m| vector.effective(m) == "N") {
        return Some(0.0);
    }
    let eq = vector.macro_vector();
    let [eq1, eq2, eq3, eq4, eq5, eq6] = eq.map(usize::from);
    let value = lookup(eq)?;

    let bump = |i: usize, j: Option<usize>| {
        let mut next = eq;
        next[i] += 1;
        if let Some(j) = j {
            next[j] += 1;
        }
        lookup(next)
    };
    let lower_eq3_eq6 = match (eq3, eq6) {
        (1, 1) | (0, 1) => bump(2, None),
        (1, 0) => bump(5, None),
        (0, 0) => match (bump(5, None), bump(2, None)) {
            (Some(left), Some(right)) => Some(left.max(right)),
            _ => None,
        },
        _ => bump(2, Some(5)),
    };
    let lower = [bump(0, None), bump(1, None), lower_eq3_eq6, bump(3, None), bump(4, None)];

    let d = closest_max_distances(&vector, [eq1, eq2, eq3, eq4, eq5, eq6])?;
    let current = [d[0] + d[1] + d[2], d[3] + d[4], d[5] + d[6] + d[7] + d[11] + d[12] + d[13], d[8] + d[9] + d[10]];
    let depth = [
        f64::from(EQ1_DEPTH[eq1]) * STEP,
        f64::from(EQ2_DEPTH[eq2]) * STEP,
        f64::from(*EQ3_EQ6_DEPTH.get(eq3)?.get(eq6)?) * STEP,
        f64::from(EQ4_DEPTH[eq4]) * STEP,
    ];
    let mut existing = 0u32;
    let mut total = 0.0;
    for (i, next) in lower.iter().enumerate() {
        let Some(next) = next else { continue };
        existing += 1;
        // EQ5's proportion is always 0 (the vector is its own max in EQ5).
        if i < 4 {
            total += (value - next) * (current[i] / depth[i]);
        }
    }
    let mean = if existing == 0 { 0.0 } else { total / f64::from(existing) };
    Some(((value - mean).clamp(0.0, 10.0) * 10.0).round() / 10.0)
}

/// The distances from the first max vector of the MacroVector that the vector does not exceed (the
/// reference keeps the last one tried when none fits).
fn closest_max_distances(vector: &Vector<'_>, eq: [usize; 6]) -> Option<Vec<f64>> {
    let [eq1, eq2, eq3, eq4, eq5, eq6] = eq;
    let eq3_max = EQ3_EQ6_MAX.get(eq3)?.get(eq6)?;
    let mut last = None;
    for a in EQ1_MAX.get(eq1)?.iter() {
        for b in EQ2_MAX.get(eq2)?.iter() {
            for c in eq3_max.iter() {
                for d in EQ4_MAX.get(eq4)?.iter() {
                    for e in EQ5_MAX.get(eq5)?.iter() {
                        let distances = distances(vector, &format!("{a}/{b}/{c}/{d}/{e}"))?;
                        if distances.iter().all(|x| *x >= 0.0) {
                            return Some(distances);
                        }
                        last = Some(distances);
                    }
                }
            }
        }
    }
    last
}
