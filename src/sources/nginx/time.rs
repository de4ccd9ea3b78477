//! nginx's time, size and number syntax, transcribed from `ngx_parse_time()`,
//! `ngx_parse_size()`, `ngx_parse_offset()` (`src/core/ngx_parse.c`) and
//! `ngx_atoi()` (`src/core/ngx_string.c`) for a 64-bit build.

use crate::value::Millis;

/// `NGX_MAX_INT_T_VALUE` (and `NGX_MAX_SIZE_T_VALUE`, `NGX_MAX_OFF_T_VALUE`) on 64-bit.
const MAX_INT: i64 = i64::MAX;

/// How a directive reads its time value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeKind {
    /// `ngx_conf_set_msec_slot` (every `*_timeout`, `keepalive_time`):
    /// accepts `ms`, rejects `y` and `M`.
    Msec,
    /// `ngx_conf_set_sec_slot` and `fail_timeout=`, `inactive=`, `expires`,
    /// the second `keepalive_timeout` argument: accepts `y` and `M`, rejects `ms`.
    Sec,
}

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Step {
    Start,
    Year,
    Month,
    Week,
    Day,
    Hour,
    Min,
    Sec,
    Msec,
    Last,
}

/// Parses an nginx time value exactly as `ngx_parse_time()` does: digits
/// followed by a unit (`ms`, `s`, `m`, `h`, `d`, `w`, `M`, `y`; bare = seconds),
/// units from largest to smallest, case-sensitive, no decimals; a space may
/// follow a unit (`"1h 30m"`), but a space after a bare number ends the
/// seconds part (`"30 s"` is invalid). Sec-typed results are converted to
/// milliseconds (saturating; nginx keeps seconds up to `i64::MAX`).
///
/// # Errors
/// The reason nginx rejects the value (nginx itself only says "invalid value").
pub fn parse_time(s: &str, kind: TimeKind) -> Result<Millis, String> {
    let is_sec = kind == TimeKind::Sec;
    let b = s.as_bytes();
    let cutoff = MAX_INT / 10;
    let cutlim = MAX_INT % 10;
    let mut valid = false;
    let mut value: i64 = 0;
    let mut total: i64 = 0;
    let mut step = if is_sec { Step::Start } else { Step::Month };
    let mut p = 0usize;
    let out_of_order = |unit: &str| {
        format!("unit \"{unit}\" is out of order (units must go from largest to smallest)")
    };

    while p < b.len() {
        let c = b[p];
        if c.is_ascii_digit() {
            let d = i64::from(c - b'0');
            if value >= cutoff && (value > cutoff || d > cutlim) {
                return Err("number too large".to_owned());
            }
            value = value * 10 + d;
            valid = true;
            p += 1;
            continue;
        }
        p += 1;
        let (max, mut scale): (i64, i64);
        match c {
            b'y' => {
                if step > Step::Start {
                    return Err(if is_sec {
                        out_of_order("y")
                    } else {
                        "unit \"y\" is not accepted by millisecond-typed directives".to_owned()
                    });
                }
                step = Step::Year;
                scale = 60 * 60 * 24 * 365;
                max = MAX_INT / scale;
            }
            b'M' => {
                if step >= Step::Month {
                    return Err(if is_sec {
                        out_of_order("M")
                    } else {
                        "unit \"M\" is not accepted by millisecond-typed directives".to_owned()
                    });
                }
                step = Step::Month;
                scale = 60 * 60 * 24 * 30;
                max = MAX_INT / scale;
            }
            b'w' => {
                if step >= Step::Week {
                    return Err(out_of_order("w"));
                }
                step = Step::Week;
                scale = 60 * 60 * 24 * 7;
                max = MAX_INT / scale;
            }
            b'd' => {
                if step >= Step::Day {
                    return Err(out_of_order("d"));
                }
                step = Step::Day;
                scale = 60 * 60 * 24;
                max = MAX_INT / scale;
            }
            b'h' => {
                if step >= Step::Hour {
                    return Err(out_of_order("h"));
                }
                step = Step::Hour;
                scale = 60 * 60;
                max = MAX_INT / scale;
            }
            b'm' if b.get(p) == Some(&b's') => {
                if is_sec {
                    return Err("unit \"ms\" is not accepted by second-typed values".to_owned());
                }
                if step >= Step::Msec {
                    return Err(out_of_order("ms"));
                }
                p += 1;
                step = Step::Msec;
                scale = 1;
                max = MAX_INT;
            }
            b'm' => {
                if step >= Step::Min {
                    return Err(out_of_order("m"));
                }
                step = Step::Min;
                scale = 60;
                max = MAX_INT / scale;
            }
            b's' => {
                if step >= Step::Sec {
                    return Err(out_of_order("s"));
                }
                step = Step::Sec;
                scale = 1;
                max = MAX_INT;
            }
            b' ' => {
                if step >= Step::Sec {
                    return Err("a space may only follow a unit larger than seconds".to_owned());
                }
                step = Step::Last;
                scale = 1;
                max = MAX_INT;
            }
            _ => {
                let ch = s.get(p - 1..).and_then(|r| r.chars().next()).unwrap_or('?');
                return Err(format!(
                    "\"{ch}\" is not a time unit (units: ms, s, m, h, d, w, M, y; case-sensitive; no decimals)"
                ));
            }
        }
        let mut max = max;
        if step != Step::Msec && !is_sec {
            scale *= 1000;
            max /= 1000;
        }
        if value > max {
            return Err("value too large".to_owned());
        }
        let v = value * scale;
        if total > MAX_INT - v {
            return Err("value too large".to_owned());
        }
        total += v;
        value = 0;
        while b.get(p) == Some(&b' ') {
            p += 1;
        }
    }

    if !valid {
        return Err("no number".to_owned());
    }
    if !is_sec {
        if value > MAX_INT / 1000 {
            return Err("value too large".to_owned());
        }
        value *= 1000;
    }
    if total > MAX_INT - value {
        return Err("value too large".to_owned());
    }
    let result = (total + value).unsigned_abs();
    Ok(if is_sec {
        Millis(result.saturating_mul(1000))
    } else {
        Millis(result)
    })
}

/// `ngx_atoi()`: decimal digits only (no sign, no spaces), at least one, no overflow.
///
/// # Errors
/// When nginx would say "invalid number".
pub fn parse_int(s: &str) -> Result<i64, String> {
    atoi(s.as_bytes(), MAX_INT).ok_or_else(|| format!("\"{s}\" is not a number nginx accepts"))
}

fn atoi(digits: &[u8], max: i64) -> Option<i64> {
    if digits.is_empty() {
        return None;
    }
    let cutoff = max / 10;
    let cutlim = max % 10;
    let mut value: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = i64::from(c - b'0');
        if value >= cutoff && (value > cutoff || d > cutlim) {
            return None;
        }
        value = value * 10 + d;
    }
    Some(value)
}

/// `ngx_parse_size()`: bytes, with an optional single suffix `k`/`K` (KiB)
/// or `m`/`M` (MiB).
///
/// # Errors
/// When nginx would say "invalid value".
pub fn parse_size(s: &str) -> Result<u64, String> {
    parse_scaled(s, false)
}

/// `ngx_parse_offset()`: as [`parse_size`], also accepting `g`/`G` (GiB).
///
/// # Errors
/// When nginx would say "invalid value".
pub fn parse_offset(s: &str) -> Result<u64, String> {
    parse_scaled(s, true)
}

fn parse_scaled(s: &str, giga: bool) -> Result<u64, String> {
    let b = s.as_bytes();
    let Some(&unit) = b.last() else {
        return Err("empty size".to_owned());
    };
    let (digits, scale): (&[u8], i64) = match unit {
        b'k' | b'K' => (&b[..b.len() - 1], 1024),
        b'm' | b'M' => (&b[..b.len() - 1], 1024 * 1024),
        b'g' | b'G' if giga => (&b[..b.len() - 1], 1024 * 1024 * 1024),
        _ => (b, 1),
    };
    let max = MAX_INT / scale;
    match atoi(digits, MAX_INT) {
        Some(n) if n <= max => Ok((n * scale).unsigned_abs()),
        Some(_) => Err(format!("size \"{s}\" is too large")),
        None => Err(format!(
            "\"{s}\" is not a size (digits with an optional k, m{} suffix)",
            if giga { ", g" } else { "" }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> Result<u64, String> {
        parse_time(s, TimeKind::Msec).map(|m| m.0)
    }
    fn sec(s: &str) -> Result<u64, String> {
        parse_time(s, TimeKind::Sec).map(|m| m.0 / 1000)
    }

    #[test]
    fn accepted_forms_from_the_reference_and_nginx_t() {
        // domain.md 1.7, verified with nginx -t.
        assert_eq!(ms("1h30m"), Ok(5_400_000));
        assert_eq!(ms("1h 30m"), Ok(5_400_000));
        assert_eq!(ms("500ms"), Ok(500));
        assert_eq!(ms("90"), Ok(90_000));
        assert_eq!(ms("2w"), Ok(2 * 7 * 86_400_000));
        assert_eq!(ms("1d12h"), Ok(36 * 3_600_000));
        assert_eq!(sec("1y"), Ok(365 * 86_400));
        assert_eq!(sec("1M"), Ok(30 * 86_400));
        assert_eq!(ms("60s"), Ok(60_000));
        assert_eq!(ms("0"), Ok(0));
        assert_eq!(ms("1s500ms"), Ok(1500));
        assert_eq!(ms("1m1s1ms"), Ok(61_001));
        assert_eq!(ms("1h 30m 15s"), Ok(5_415_000));
        assert_eq!(
            sec("1y2M3w4d5h6m7s"),
            Ok(31_536_000 + 5_184_000 + 1_814_400 + 345_600 + 18_000 + 360 + 7)
        );
    }

    #[test]
    fn rejected_forms_from_the_reference_and_nginx_t() {
        for bad in [
            "1y", "1M", "30m1h", "1.5s", "60S", "30 s", "", "s", "ms", "1x", "-1", "1h1h", "5ss",
        ] {
            assert!(ms(bad).is_err(), "{bad:?} should be rejected for msec");
        }
        for bad in ["500ms", "1M1y", "1.5", "", "1 s"] {
            assert!(sec(bad).is_err(), "{bad:?} should be rejected for sec");
        }
    }

    #[test]
    fn edge_cases_of_the_c_code() {
        // A space after a bare number closes the seconds part; more digits add up.
        assert_eq!(ms("30 "), Ok(30_000));
        assert_eq!(ms(" 30"), Ok(30_000));
        assert_eq!(ms("30 40"), Ok(70_000));
        assert_eq!(ms("1h 30"), Ok(3_630_000));
        assert!(ms("s").is_err());
        // Several spaces after a unit are skipped.
        assert_eq!(ms("1h   30m"), Ok(5_400_000));
        // A unit with no digits before it counts as 0 of that unit.
        assert_eq!(ms("h5"), Ok(5000));
        // "m" followed by "s" is milliseconds, not minutes then seconds.
        assert_eq!(ms("1ms"), Ok(1));
        // Milliseconds after seconds are fine, seconds after milliseconds are not.
        assert!(ms("1ms1s").is_err());
        // Tab is not a separator.
        assert!(ms("1h\t30m").is_err());
        // Overflow of the digit accumulator and of the scaled value.
        assert!(ms("99999999999999999999").is_err());
        assert!(ms("9223372036854776s").is_err());
        assert_eq!(ms("9223372036854775ms"), Ok(9_223_372_036_854_775));
        // Accepted by nginx (seconds fit in 64 bits); milliseconds saturate.
        assert_eq!(
            parse_time("99999999999y", TimeKind::Sec),
            Ok(Millis(u64::MAX))
        );
        assert!(sec("999999999999y").is_err());
        // "1s" then "ms": milliseconds may follow seconds (accepted by nginx -t).
        assert_eq!(ms("1sms"), Ok(1000));
        assert!(sec("1sms").is_err());
    }

    #[test]
    fn sizes_and_offsets() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("8k"), Ok(8192));
        assert_eq!(parse_size("8K"), Ok(8192));
        assert_eq!(parse_size("1m"), Ok(1 << 20));
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert!(parse_size("1g").is_err());
        assert_eq!(parse_offset("1g"), Ok(1 << 30));
        assert_eq!(parse_offset("2G"), Ok(2 << 30));
        for bad in [
            "",
            "k",
            "1.5m",
            "1kb",
            "-1",
            " 1",
            "1 k",
            "99999999999999999999",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
        assert!(parse_size("9007199254740992m").is_err());
    }

    #[test]
    fn integers() {
        assert_eq!(parse_int("0"), Ok(0));
        assert_eq!(parse_int("32"), Ok(32));
        for bad in ["", "-1", "+1", "1 ", "0x10", "9223372036854775808"] {
            assert!(parse_int(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_int("9223372036854775807"), Ok(i64::MAX));
    }
}
