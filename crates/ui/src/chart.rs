//! Line charts as inline SVG, written by hand: no script, no library, readable without styles (each
//! chart is an image whose accessible name says what it shows and its latest value). Pure.

use crate::html::{Html, esc};
use crate::w;
use arca_core::meta::Millis;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 170.0;
/// Room for the value labels on the left and the time labels below.
const LEFT: f64 = 78.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;
const RIGHT: f64 = 12.0;

/// What is charted.
pub struct Series<'a> {
    pub title: &'a str,
    /// `count`, `%`, `ms` or `bytes`: how values are written.
    pub unit: &'a str,
    /// (time, value), oldest first.
    pub points: &'a [(Millis, f64)],
}

/// A value as the chart labels it.
pub fn label(unit: &str, value: f64) -> String {
    match unit {
        "%" => format!("{value:.1} %"),
        "ms" => format!("{value:.1} ms"),
        "bytes" => crate::html::size(value.max(0.0) as u64),
        _ => format!("{}", value.round() as i64),
    }
}

/// `HH:MM` (the day's charts) or `MM-DD` (longer ones) of a UTC time.
fn tick(at: Millis, long: bool) -> String {
    let text = arca_core::time::rfc3339(at);
    if long { text.get(5..10).unwrap_or("").to_owned() } else { text.get(11..16).unwrap_or("").to_owned() }
}

/// The chart of `series` between `from` and `to` (the x axis), from zero to its largest value.
pub fn line(series: &Series<'_>, from: Millis, to: Millis) -> Html {
    let mut out = Html::default();
    let latest = series.points.last().map_or_else(|| "no samples yet".to_owned(), |(_, v)| label(series.unit, *v));
    let name = format!("{}: latest {latest}", series.title);
    w!(
        out,
        "<figure><svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" \
         style=\"max-width:{WIDTH}px;background:#fff;border:1px solid #e2e5ea\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title>",
        esc(&name),
        esc(&name)
    );
    let max = series.points.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    let top = if max > 0.0 { max } else { 1.0 };
    let span = (to - from).max(1) as f64;
    let x = |at: Millis| LEFT + (at - from) as f64 / span * (WIDTH - LEFT - RIGHT);
    let y = |v: f64| TOP + (1.0 - v / top) * (HEIGHT - TOP - BOTTOM);
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, y(0.0), y(top));
    w!(
        out,
        "<path d=\"M{x0} {y1}V{y0}H{x1}\" fill=\"none\" stroke=\"#8a93a3\"/>\
         <g font-size=\"11\" fill=\"#1d2330\" font-family=\"system-ui,sans-serif\">\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text x=\"{x0}\" y=\"{}\">{}</text><text x=\"{x1}\" y=\"{}\" text-anchor=\"end\">{}</text></g>",
        LEFT - 4.0,
        y1 + 10.0,
        esc(&label(series.unit, top)),
        LEFT - 4.0,
        y0,
        esc(&label(series.unit, 0.0)),
        HEIGHT - 6.0,
        esc(&tick(from, to - from > 86_400_000)),
        HEIGHT - 6.0,
        esc(&tick(to, to - from > 86_400_000)),
    );
    let coordinates: Vec<String> = series
        .points
        .iter()
        .filter(|(at, _)| (from..=to).contains(at))
        .map(|(at, v)| format!("{:.1},{:.1}", x(*at), y(*v)))
        .collect();
    match coordinates.as_slice() {
        [] => {}
        [one] => {
            let (cx, cy) = one.split_once(',').unwrap_or(("0", "0"));
            w!(out, "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"2.5\" fill=\"#2563c9\"/>");
        }
        many => {
            w!(out, "<polyline fill=\"none\" stroke=\"#2563c9\" stroke-width=\"1.5\" points=\"{}\"/>", many.join(" "))
        }
    }
    w!(out, "</svg><figcaption>{}</figcaption></figure>", esc(&name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Millis = 3_600_000;
    const T: Millis = 1_764_460_800_000; // 2025-11-30T00:00:00Z

    #[test]
    fn points_are_placed_in_time_and_value() {
        let points = [(T, 0.0), (T + 12 * HOUR, 50.0), (T + 24 * HOUR, 100.0)];
        let svg = line(&Series { title: "Publish success rate", unit: "%", points: &points }, T, T + 24 * HOUR).0;
        assert!(svg.starts_with("<figure><svg role=\"img\""), "{svg}");
        // x from 78 to 628, y from 148 (zero) to 8 (the largest value).
        assert!(svg.contains("points=\"78.0,148.0 353.0,78.0 628.0,8.0\""), "{svg}");
        assert!(svg.contains(">100.0 %</text>") && svg.contains(">0.0 %</text>"), "value labels: {svg}");
        assert!(svg.contains(">00:00</text>"), "time labels: {svg}");
        assert!(svg.contains("aria-label=\"Publish success rate: latest 100.0 %\""), "{svg}");
    }

    #[test]
    fn an_empty_or_single_series_still_draws_and_titles_are_escaped() {
        let svg = line(&Series { title: "<b>x</b>", unit: "bytes", points: &[] }, T, T + HOUR).0;
        assert!(svg.contains("latest no samples yet") && !svg.contains("polyline"), "{svg}");
        assert!(!svg.contains("<b>") && svg.contains("&lt;b&gt;x&lt;/b&gt;"), "{svg}");
        let svg = line(&Series { title: "Storage", unit: "bytes", points: &[(T, 2048.0)] }, T, T + HOUR).0;
        assert!(svg.contains("<circle cx=\"78.0\" cy=\"8.0\"") && svg.contains("2.0 KiB"), "{svg}");
        let long = line(&Series { title: "Pulls", unit: "count", points: &[] }, T, T + 90 * 24 * HOUR).0;
        assert!(long.contains(">11-30</text>"), "dates on long charts: {long}");
    }
}
