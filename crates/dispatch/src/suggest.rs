//! "Did you mean": the names closest to a mistyped one, for error messages
//! that name the valid choices (unknown operations, params, categories).
//!
//! ```
//! use contajners_dispatch::suggest::{closest, did_you_mean};
//!
//! let ops = ["ContainerList", "ContainerLogs", "ImageList"];
//! let near = closest("ContainerLsit", ops, 3);
//! assert_eq!(near[0], "ContainerList");
//! assert_eq!(did_you_mean(&near[..1]), "; did you mean ContainerList?");
//! ```

/// Up to `max` of `names` closest to `wanted`, nearest first, keeping only
/// plausible typos: a case-insensitive edit (Levenshtein) distance of at
/// most a third of `wanted`'s length (at least 2, or 1 for names of three
/// letters or fewer, so that `id` is no typo of `v`), or names that contain
/// one another (`ContainerLog` is a near miss of `ContainerLogs`).
/// A name given twice is returned once.
///
/// ```
/// use contajners_dispatch::suggest::closest;
///
/// let params = ["all", "limit", "size", "filters"];
/// assert_eq!(closest("lmit", params, 3), ["limit"]);
/// assert!(closest("zzz", params, 3).is_empty());
/// ```
pub fn closest<'a>(
    wanted: &str,
    names: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let wanted = wanted.to_ascii_lowercase();
    let limit = (wanted.len() / 3).max(if wanted.len() <= 3 { 1 } else { 2 });
    let mut scored: Vec<(usize, &str)> = names
        .into_iter()
        .filter_map(|name| {
            let lower = name.to_ascii_lowercase();
            let distance = if lower.contains(&wanted) || wanted.contains(&lower) {
                lower.len().abs_diff(wanted.len()).min(limit)
            } else {
                edit_distance(&wanted, &lower)
            };
            (distance <= limit).then_some((distance, name))
        })
        .collect();
    scored.sort_unstable();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(max).map(|(_, name)| name).collect()
}

/// `"; did you mean A, B?"` for the names in `near`, or `""` when there are
/// none: the tail of an error message.
///
/// ```
/// use contajners_dispatch::suggest::did_you_mean;
///
/// assert_eq!(did_you_mean(&["A", "B"]), "; did you mean A, B?");
/// assert_eq!(did_you_mean(&[]), "");
/// ```
pub fn did_you_mean(near: &[&str]) -> String {
    if near.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", near.join(", "))
    }
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_name() {
        let ops = ["ContainerList", "ContainerLogs", "ImageList", "SystemPing"];
        assert_eq!(closest("ContainerLsit", ops, 3)[0], "ContainerList");
        assert!(!closest("ContainerLsit", ops, 3).contains(&"SystemPing"));
        assert_eq!(closest("containerlogs", ops, 3)[0], "ContainerLogs");
        assert_eq!(closest("ContainerLog", ops, 3)[0], "ContainerLogs");
        assert!(closest("Zzz", ops, 3).is_empty());
    }

    #[test]
    fn short_names_allow_one_edit_and_names_come_once() {
        assert!(closest("id", ["v"], 3).is_empty());
        assert_eq!(closest("ix", ["id", "v"], 3), ["id"]);
        assert_eq!(closest("all", ["all", "all"], 3), ["all"]);
        assert_eq!(closest("lmit", ["limit", "size"], 3), ["limit"]);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
