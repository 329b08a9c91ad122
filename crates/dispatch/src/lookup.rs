//! "Did you mean": the closest names by edit distance.

/// Up to `max` of `names` closest to `wanted` (case-insensitive Levenshtein),
/// only those close enough to be a plausible typo, nearest first.
pub(crate) fn closest<'a>(
    wanted: &str,
    names: impl Iterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let wanted_lower = wanted.to_ascii_lowercase();
    let limit = (wanted.len() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .map(|name| {
            let lower = name.to_ascii_lowercase();
            let distance = if lower.contains(&wanted_lower) || wanted_lower.contains(&lower) {
                // A prefix or part of the id ("ContainerLog") is a near miss.
                lower.len().abs_diff(wanted_lower.len()).min(limit)
            } else {
                levenshtein(&wanted_lower, &lower)
            };
            (distance, name)
        })
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(max).map(|(_, name)| name).collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
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
    fn typos_find_their_op() {
        let ops = ["ContainerList", "ContainerLogs", "ImageList", "SystemPing"];
        assert_eq!(
            closest("ContainerLsit", ops.into_iter(), 3)[0],
            "ContainerList"
        );
        assert!(!closest("ContainerLsit", ops.into_iter(), 3).contains(&"SystemPing"));
        assert_eq!(
            closest("containerlogs", ops.into_iter(), 3)[0],
            "ContainerLogs"
        );
        assert!(closest("Zzz", ops.into_iter(), 3).is_empty());
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }
}
