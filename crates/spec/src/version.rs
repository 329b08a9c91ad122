//! Version names: `v1.41` / `1.41` spellings and numeric ordering.

use std::cmp::Ordering;

/// The canonical spelling: a leading `v`, surrounding space trimmed.
pub(crate) fn canonical(version: &str) -> String {
    let v = version.trim();
    let v = v
        .strip_prefix('v')
        .or_else(|| v.strip_prefix('V'))
        .unwrap_or(v);
    format!("v{v}")
}

/// The numeric components of a version (`v4.10.2` → `[4, 10, 2]`), or
/// `None` when a component is not a number. A pre-release or build suffix on
/// the last component (`5.0.0-rc1`, `1.43+dev`) is ignored.
pub(crate) fn numbers(version: &str) -> Option<Vec<u64>> {
    let v = canonical(version);
    let v = &v[1..];
    let v = v.split(['-', '+']).next().unwrap_or(v);
    v.split('.').map(|part| part.parse::<u64>().ok()).collect()
}

/// Numeric order (`v4.10` > `v4.9`); a missing component counts as 0.
/// Unparseable versions sort before all others, then by text.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    match (numbers(a), numbers(b)) {
        (Some(x), Some(y)) => {
            let len = x.len().max(y.len());
            let pad = |v: &Vec<u64>, i: usize| v.get(i).copied().unwrap_or(0);
            (0..len)
                .map(|i| pad(&x, i).cmp(&pad(&y, i)))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// The version in `available` (ascending) nearest to `given`: the highest
/// at or below it, else the lowest.
pub(crate) fn nearest<'a>(available: &[&'a str], given: &str) -> Option<&'a str> {
    numbers(given)?;
    available
        .iter()
        .rev()
        .find(|v| compare(v, given).is_le())
        .or_else(|| available.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_adds_one_v() {
        assert_eq!(canonical("1.41"), "v1.41");
        assert_eq!(canonical(" v4.3.1 "), "v4.3.1");
    }

    #[test]
    fn order_is_numeric() {
        assert_eq!(compare("v4.10.0", "v4.9.5"), Ordering::Greater);
        assert_eq!(compare("1.41", "v1.41.0"), Ordering::Equal);
        assert_eq!(compare("v1.9", "v1.25"), Ordering::Less);
    }

    #[test]
    fn nearest_prefers_at_or_below() {
        let av = ["v1.25", "v1.30", "v1.41"];
        assert_eq!(nearest(&av, "1.35"), Some("v1.30"));
        assert_eq!(nearest(&av, "1.2"), Some("v1.25"));
        assert_eq!(nearest(&av, "banana"), None);
    }
}
