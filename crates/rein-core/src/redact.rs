//! STUB: replaced by the real module.
use std::borrow::Cow;
pub fn redact_str(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(text)
}
pub fn redact_json(_value: &mut serde_json::Value) -> usize {
    0
}
pub fn contains_secret(_text: &str) -> bool {
    false
}
