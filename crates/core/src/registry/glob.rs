//! Tag patterns such as `latest`, `dev-*`, `v1.?`.

/// Matches `*` (any run, possibly empty) and `?` (one character); everything else literally.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                backtrack = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match backtrack {
                Some((bp, bt)) => {
                    pi = bp + 1;
                    ti = bt + 1;
                    backtrack = Some((bp, bt + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn patterns() {
        assert!(glob_match("latest", "latest"));
        assert!(!glob_match("latest", "latest2"));
        assert!(glob_match("dev-*", "dev-"));
        assert!(glob_match("dev-*", "dev-abc"));
        assert!(!glob_match("dev-*", "prod-abc"));
        assert!(glob_match("*", ""));
        assert!(glob_match("v?.*", "v1.2.3"));
        assert!(glob_match("*-rc*", "1.0-rc1"));
        assert!(!glob_match("a*b", "acbd"));
    }
}
