//! Lenient accessors over `serde_json::Value`: a field of the wrong type reads as absent.
//!
//! Why `Value` and not typed serde structs: producers disagree on optional fields (a string where
//! the schema says array, `null` for empty), and one odd field must not cost the whole document.

use serde_json::Value;

/// The string at `key`, if `v` is an object and the field is a string.
pub(crate) fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

/// The array at `key`, or an empty slice.
pub(crate) fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The strings at `key`, accepting one string or an array of strings.
pub(crate) fn strings<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    match v.get(key) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}
