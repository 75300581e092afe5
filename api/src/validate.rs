//! Pure input validators shared by the GraphQL mutations.
//!
//! Every validator returns either the canonical form of the value or a short
//! English reason that is shown to API clients after the field name, e.g.
//! `creditCode: check character does not match`. Reasons are lowercase and
//! carry no trailing full stop.

/// Alphabet of the unified social credit code; the index of a character is
/// its numeric value (I, O, S, V and Z are not used).
pub const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1..=17 of the unified social credit code (3^i mod 31).
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Weights of positions 1..=17 of the resident identity number (2^(17-i) mod 11).
const RESIDENT_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check characters of the resident identity number, indexed by Σ mod 11.
const RESIDENT_ID_CHECK: &[u8; 11] = b"10X98765432";

/// Unified social credit code (统一社会信用代码, GB 32100-2015). Accepts lowercase input; returns the uppercase canonical form.
///
/// Surrounding whitespace is ignored. The code must be exactly 18 characters
/// from `0-9` and `A-Y` without I, O, S, V and Z, and the 18th character must
/// be the check character computed over the first 17. The embedded
/// organisation code (positions 9–17) is not checked separately.
pub fn credit_code(input: &str) -> Result<String, &'static str> {
    let code = input.trim().to_ascii_uppercase();
    if code.chars().count() != 18 {
        return Err("must be exactly 18 characters");
    }
    let values = code
        .chars()
        .map(credit_value)
        .collect::<Option<Vec<u32>>>()
        .ok_or("contains a character outside 0-9 and A-Y (I, O, S, V and Z are not used)")?;
    // Every character is in the (ASCII) alphabet, so byte 17 is a character boundary.
    if credit_value(credit_code_check(&code[..17])) != Some(values[17]) {
        return Err("check character does not match");
    }
    Ok(code)
}

/// The GB 32100 check character that completes the first 17 characters of a unified social
/// credit code. A character outside the alphabet counts as 0: call it on a body checked or
/// built from the alphabet (the demo data and the generator build theirs with it).
pub fn credit_code_check(body: &str) -> char {
    let sum: u32 = body
        .chars()
        .map(|c| credit_value(c).unwrap_or(0))
        .zip(CREDIT_WEIGHTS)
        .map(|(value, weight)| value * weight)
        .sum();
    char::from(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize])
}

/// Numeric value of a credit code character, if it belongs to the alphabet.
fn credit_value(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    let index = CREDIT_ALPHABET.iter().position(|&a| a == byte)?;
    u32::try_from(index).ok()
}

/// Resident identity number (公民身份号码, GB 11643-1999). Returns the canonical uppercase form.
///
/// Surrounding whitespace is ignored. The number must be 17 digits followed by
/// a check character (a digit or `X`; lowercase `x` is accepted), the birth
/// date at positions 7–14 (`YYYYMMDD`) must be a real calendar date with a
/// year in 1900..=2100, and the check character must satisfy ISO 7064
/// MOD 11-2. Whether the birth date lies in the future is not checked.
pub fn resident_id(input: &str) -> Result<String, &'static str> {
    let id = input.trim().to_ascii_uppercase();
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return Err("must be exactly 18 characters");
    }
    let digits = chars[..17]
        .iter()
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()
        .ok_or("first 17 characters must be digits")?;
    if !(chars[17].is_ascii_digit() || chars[17] == 'X') {
        return Err("check character must be a digit or X");
    }

    let number =
        |range: std::ops::Range<usize>| digits[range].iter().fold(0u32, |acc, digit| acc * 10 + digit);
    let year = number(6..10);
    if !(1900..=2100).contains(&year) {
        return Err("birth year must be between 1900 and 2100");
    }
    let (month, day) = (number(10..12), number(12..14));
    match days_in_month(year, month) {
        Some(days) if (1..=days).contains(&day) => {}
        _ => return Err("birth date is not a valid date"),
    }

    // The first 17 characters are ASCII digits, so byte 17 is a character boundary.
    if resident_id_check(&id[..17]) != chars[17] {
        return Err("check character does not match");
    }
    Ok(id)
}

/// The GB 11643 (ISO 7064 MOD 11-2) check character of a resident identity number's first 17
/// digits. A character that is not a digit counts as 0: call it on a body checked or built of
/// digits (the demo data and the generator build theirs with it).
pub fn resident_id_check(body: &str) -> char {
    let sum: u32 = body
        .chars()
        .map(|c| c.to_digit(10).unwrap_or(0))
        .zip(RESIDENT_ID_WEIGHTS)
        .map(|(digit, weight)| digit * weight)
        .sum();
    char::from(RESIDENT_ID_CHECK[(sum % 11) as usize])
}

/// Number of days in `month` of `year` (Gregorian), or `None` for a month
/// outside 1..=12.
fn days_in_month(year: u32, month: u32) -> Option<u32> {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => Some(29),
        2 => Some(28),
        _ => None,
    }
}

/// Mainland China telephone number. Returns a canonical form: a mobile number as
/// 11 digits, a landline as `0AAA-NNNNNNNN` (area code with its leading 0, a
/// hyphen, then the 7–8 digit local number), a service number as its digits.
///
/// Accepted forms, after trimming and removing spaces and hyphens:
/// * mobile `1[3-9]` + 9 digits, optionally preceded by `+86`, `86` or `0086`;
/// * landline `0` + area code + 7–8 digit local number. The area code is
///   2 digits when it starts with 1 or 2 (010 Beijing, 020–029) and 3 digits
///   otherwise, as assigned in mainland China. After a `+86` / `86` / `0086`
///   prefix the leading 0 may be omitted (`+86 10 1234 5678`);
/// * a public service number of 3–5 digits starting with 1 (110, 119, 120,
///   12345), without a country prefix;
/// * a number of another country after `+` or `00` with its country code, valid by that
///   country's rules (foreign traders, mediators and parties), returned in E.164.
pub fn phone(input: &str) -> Result<String, &'static str> {
    let trimmed = input.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' => {}
            _ => {
                return Err("may only contain digits, spaces, hyphens and a leading + with the country code")
            }
        }
    }
    if digits.is_empty() {
        return Err("must not be empty");
    }

    let national = digits
        .strip_prefix("86")
        .or_else(|| digits.strip_prefix("0086").filter(|_| !plus));
    match national {
        Some(national) => international_phone(national),
        None if plus => foreign_phone(&digits),
        None => match digits.strip_prefix("00") {
            Some(international) => foreign_phone(international),
            None => domestic_phone(&digits),
        },
    }
}

/// A number of another country (digits after `+` or `00`), checked against that country's
/// numbering plan by the `phonenumber` crate (a port of Google's libphonenumber and its
/// metadata) and returned in E.164 (`+962791234567`).
fn foreign_phone(digits: &str) -> Result<String, &'static str> {
    let n = phonenumber::parse(None, format!("+{digits}"))
        .map_err(|_| "is not an international number: + (or 00), the country code, then the number")?;
    if !n.is_valid() {
        return Err("is not a valid number of its country");
    }
    Ok(n.format().mode(phonenumber::Mode::E164).to_string())
}

/// Classifies the digits that follow a `+86` country prefix.
fn international_phone(national: &str) -> Result<String, &'static str> {
    let bytes = national.as_bytes();
    match bytes {
        [] => Err("number is missing after the country code"),
        [b'0', ..] => landline(national),
        [b'1', second, ..] if *second != b'0' => mobile(national),
        [b'1'] => mobile(national),
        _ => landline(&format!("0{national}")),
    }
}

/// Classifies a number written without a country prefix.
fn domestic_phone(digits: &str) -> Result<String, &'static str> {
    match digits.as_bytes() {
        [b'0', ..] => landline(digits),
        [b'1', ..] => match digits.len() {
            0..=2 => Err("is too short"),
            3..=5 => Ok(digits.to_owned()),
            _ => mobile(digits),
        },
        _ => Err("must start with 0 (landline), 1 (mobile or service number) or +86"),
    }
}

/// Validates an 11-digit mobile number (digits only, starting with 1).
fn mobile(digits: &str) -> Result<String, &'static str> {
    if digits.len() != 11 {
        return Err("mobile number must have 11 digits");
    }
    match digits.as_bytes()[1] {
        b'3'..=b'9' => Ok(digits.to_owned()),
        _ => Err("mobile number must start with 13 to 19"),
    }
}

/// Validates a landline number (digits only, starting with the trunk prefix 0)
/// and formats it as `0AAA-NNNNNNNN`.
fn landline(digits: &str) -> Result<String, &'static str> {
    let area_len = match digits.as_bytes().get(1) {
        None => return Err("is too short"),
        Some(b'0') => return Err("area code must not start with 0"),
        Some(b'1' | b'2') => 2,
        Some(_) => 3,
    };
    let Some((area, local)) = digits.split_at_checked(1 + area_len) else {
        return Err("is too short");
    };
    if !(7..=8).contains(&local.len()) {
        return Err("landline number must have 7 or 8 digits after the area code");
    }
    Ok(format!("{area}-{local}"))
}

/// The number of an identity document other than the resident ID (a passport, a travel
/// permit): letters and digits, 5 to 20 of them after spaces and hyphens are removed,
/// returned in upper case (as printed in the document's machine-readable zone).
pub fn document_number(input: &str) -> Result<String, &'static str> {
    let n: String = input
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !n.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("may only contain Latin letters, digits, spaces and hyphens");
    }
    if !(5..=20).contains(&n.len()) {
        return Err("must have 5 to 20 letters and digits");
    }
    Ok(n)
}

/// An issuing country as ISO 3166-1 alpha-3 (`JOR`, `USA`; as in a passport's
/// machine-readable zone), returned in upper case.
pub fn country_alpha3(input: &str) -> Result<String, &'static str> {
    let c = input.trim().to_ascii_uppercase();
    if c.len() == 3 && c.chars().all(|x| x.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err("must be a three-letter ISO 3166-1 country code, e.g. JOR or USA")
    }
}

/// Latitude/longitude pair. Both must be given or both omitted; each must be a
/// finite number, latitude within [-90, 90] and longitude within [-180, 180].
///
/// On failure returns the offending field (`"latitude"` or `"longitude"`) and
/// the reason.
pub fn coordinates(lat: Option<f64>, lng: Option<f64>) -> Result<(), (&'static str, &'static str)> {
    match (lat, lng) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(("longitude", "is required when latitude is given")),
        (None, Some(_)) => Err(("latitude", "is required when longitude is given")),
        (Some(lat), Some(lng)) => {
            in_range(lat, 90.0, "must be between -90 and 90").map_err(|e| ("latitude", e))?;
            in_range(lng, 180.0, "must be between -180 and 180").map_err(|e| ("longitude", e))
        }
    }
}

/// Checks that `value` is finite and within `[-limit, limit]`.
fn in_range(value: f64, limit: f64, out_of_range: &'static str) -> Result<(), &'static str> {
    if !value.is_finite() {
        Err("must be a finite number")
    } else if !(-limit..=limit).contains(&value) {
        Err(out_of_range)
    } else {
        Ok(())
    }
}

/// Free text: trims surrounding whitespace and returns the trimmed string.
///
/// The length is counted in Unicode scalar values (each Chinese character
/// counts as 1) and must lie within `min..=max`; `min` 0 allows an empty
/// string. Control characters other than `\n` and `\t` are rejected (this
/// includes a lone `\r` inside the text; CRLF line ends are turned into `\n`).
pub fn text(input: &str, min: usize, max: usize) -> Result<String, &'static str> {
    // Browsers send form text with CRLF line ends; store plain LF.
    let normalized = input.replace("\r\n", "\n");
    let trimmed = normalized.trim();
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("must not contain control characters");
    }
    let len = trimmed.chars().count();
    if len > 0 && !trimmed.chars().any(visible) {
        return Err("must contain a visible character (not only spaces or invisible formatting marks)");
    }
    if len < min {
        return Err(if len == 0 {
            "must not be empty"
        } else {
            "is too short"
        });
    }
    if len > max {
        return Err("is too long");
    }
    Ok(trimmed.to_owned())
}

/// Whether `c` shows on screen: not a space or separator, and not a control, format
/// (zero-width, bidirectional override, …), surrogate, private-use or unassigned code point
/// (Unicode general categories Z* and C*, from the `unicode-properties` tables).
fn visible(c: char) -> bool {
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
    !matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Separator | GeneralCategoryGroup::Other
    )
}

/// Language tag such as `zh`, `en`, `ar` or `zh-hans`; returns it lowercased.
///
/// Surrounding whitespace is ignored. The primary subtag is 2–3 ASCII
/// letters; each further subtag is 2–8 ASCII letters or digits, joined by `-`.
pub fn language(input: &str) -> Result<String, &'static str> {
    let tag = input.trim().to_ascii_lowercase();
    if tag.is_empty() {
        return Err("must not be empty");
    }
    if tag.contains('_') {
        return Err("subtags must be joined by '-', not '_'");
    }
    let mut subtags = tag.split('-');
    let primary = subtags.next().unwrap_or_default();
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err("language must be 2 or 3 letters");
    }
    for subtag in subtags {
        if !(2..=8).contains(&subtag.len()) || !subtag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("subtags must be 2 to 8 letters or digits");
        }
    }
    Ok(tag)
}

/// ISO 3166-1 alpha-2 country code: two ASCII letters, returned uppercase.
///
/// Surrounding whitespace is ignored; whether the code is currently assigned
/// is not checked.
pub fn country(input: &str) -> Result<String, &'static str> {
    let code = input.trim();
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err("must be two letters (ISO 3166-1 alpha-2)");
    }
    Ok(code.to_ascii_uppercase())
}

/// Identifier code for grids, units and report codes: 1–64 characters of
/// `[A-Za-z0-9_-]`, returned exactly as given (no trimming, case preserved).
pub fn code(input: &str) -> Result<String, &'static str> {
    if input.is_empty() {
        return Err("must not be empty");
    }
    if !input
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("may only contain letters, digits, '_' and '-'");
    }
    if input.len() > 64 {
        return Err("must be at most 64 characters");
    }
    Ok(input.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- independent reference helpers -------------------------------------

    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    /// Check character for a 17-character credit code body, computed
    /// independently: weights as 3^i mod 31, check value found by search.
    fn credit_check(body: &str) -> char {
        let alphabet: Vec<char> = ALPHABET.chars().collect();
        let mut weight = 1u64;
        let mut sum = 0u64;
        for c in body.chars() {
            let value = alphabet.iter().position(|&a| a == c).expect("body char") as u64;
            sum += value * weight;
            weight = weight * 3 % 31;
        }
        let check = (0..31u64).find(|c| (sum + c).is_multiple_of(31)).expect("check");
        alphabet[check as usize]
    }

    fn with_credit_check(body: &str) -> String {
        assert_eq!(body.chars().count(), 17);
        format!("{body}{}", credit_check(body))
    }

    /// Check character for a 17-digit resident ID body, computed independently
    /// from the ISO 7064 MOD 11-2 definition: Σ a_i·2^(18-i) + c ≡ 1 (mod 11).
    fn id_check(body: &str) -> char {
        let sum: u64 = body
            .chars()
            .enumerate()
            .map(|(i, c)| u64::from(c.to_digit(10).expect("digit")) * (1u64 << (17 - i)) % 11)
            .sum();
        let check = (0..11u64).find(|c| (sum + c) % 11 == 1).expect("check");
        if check == 10 {
            'X'
        } else {
            char::from_digit(check as u32, 10).expect("digit")
        }
    }

    fn with_id_check(body: &str) -> String {
        assert_eq!(body.len(), 17);
        format!("{body}{}", id_check(body))
    }

    /// Replaces the last character with a different valid one.
    fn with_wrong_last(valid: &str, alternatives: &str) -> String {
        let last = valid.chars().last().expect("non-empty");
        let other = alternatives.chars().find(|&c| c != last).expect("alt");
        format!("{}{other}", &valid[..valid.len() - 1])
    }

    // ---- credit_code --------------------------------------------------------

    #[test]
    fn credit_code_published_example_verifies() {
        // Cross-check the published example against the independent helper.
        assert_eq!(with_credit_check("91350100M000100Y4"), "91350100M000100Y43");
        assert_eq!(
            credit_code("91350100M000100Y43"),
            Ok("91350100M000100Y43".to_owned())
        );
    }

    #[test]
    fn credit_code_computed_examples() {
        for body in [
            "91110000600037341",
            "12100000400000770",
            "52440300MJL123456",
            "Y1330108MA2AB3CD0",
            "00000000000000000",
            "YYYYYYYYYYYYYYYYY",
        ] {
            let code = with_credit_check(body);
            assert_eq!(credit_code(&code), Ok(code.clone()), "{code}");
        }
    }

    #[test]
    fn credit_code_check_value_zero() {
        // Find a body whose check value is 0 (sum ≡ 0 mod 31, i.e. the "31 → 0" case).
        let body = (0..31)
            .map(|d| format!("9135010000000000{}", &ALPHABET[d..=d]))
            .find(|b| credit_check(b) == '0')
            .expect("some body has check 0");
        let code = format!("{body}0");
        assert_eq!(credit_code(&code), Ok(code.clone()));
    }

    #[test]
    fn credit_code_lowercase_and_whitespace() {
        assert_eq!(
            credit_code("  91350100m000100y43\n"),
            Ok("91350100M000100Y43".to_owned())
        );
    }

    #[test]
    fn credit_code_wrong_check_character() {
        let valid = "91350100M000100Y43";
        for wrong in ALPHABET.chars().filter(|&c| c != '3') {
            let code = format!("{}{wrong}", &valid[..17]);
            assert_eq!(
                credit_code(&code),
                Err("check character does not match"),
                "{code}"
            );
        }
        // A single transposed/altered body character is detected too.
        assert_eq!(
            credit_code("91350100M000100Y53"),
            Err("check character does not match")
        );
    }

    #[test]
    fn credit_code_wrong_length() {
        for input in ["", "91350100M000100Y4", "91350100M000100Y433", "9"] {
            assert_eq!(
                credit_code(input),
                Err("must be exactly 18 characters"),
                "{input}"
            );
        }
    }

    #[test]
    fn credit_code_bad_alphabet() {
        for bad in ['I', 'O', 'Z', 'S', 'V', '-', ' ', '中', 'Ｍ'] {
            let code = format!("91350100{bad}000100Y43");
            assert_eq!(
                credit_code(&code),
                Err("contains a character outside 0-9 and A-Y (I, O, S, V and Z are not used)"),
                "{code}"
            );
        }
        // Bad character in the check position.
        assert!(credit_code("91350100M000100Y4O").is_err());
    }

    // ---- resident_id ----------------------------------------------------------

    #[test]
    fn resident_id_published_example_verifies() {
        assert_eq!(with_id_check("11010519491231002"), "11010519491231002X");
        assert_eq!(
            resident_id("11010519491231002X"),
            Ok("11010519491231002X".to_owned())
        );
        assert_eq!(
            resident_id(" 11010519491231002x "),
            Ok("11010519491231002X".to_owned())
        );
    }

    #[test]
    fn resident_id_computed_examples() {
        for body in [
            "44030419900101001",
            "33010620000229123", // leap day in a leap year divisible by 400
            "51010719960229456", // leap day in an ordinary leap year
            "11010119000101000", // lower year bound
            "11010121001231999", // upper year bound
        ] {
            let id = with_id_check(body);
            assert_eq!(resident_id(&id), Ok(id.clone()), "{id}");
        }
    }

    #[test]
    fn resident_id_every_check_value_is_reachable() {
        // Vary the sequence digits so that all 11 check characters occur.
        let mut seen = std::collections::BTreeSet::new();
        for seq in 0..300u32 {
            let id = with_id_check(&format!("440304199002{:02}{seq:03}", seq % 28 + 1));
            assert_eq!(resident_id(&id), Ok(id.clone()), "{id}");
            seen.insert(id.chars().last().expect("last"));
        }
        assert_eq!(seen.len(), 11, "{seen:?}");
    }

    #[test]
    fn resident_id_wrong_check_character() {
        let valid = with_id_check("44030419900101001");
        let wrong = with_wrong_last(&valid, "0123456789X");
        assert_eq!(resident_id(&wrong), Err("check character does not match"));
        assert_eq!(
            resident_id("110105194912310021"),
            Err("check character does not match")
        );
    }

    #[test]
    fn resident_id_wrong_length() {
        for input in ["", "110105491231002", "11010519491231002", "11010519491231002X0"] {
            assert_eq!(
                resident_id(input),
                Err("must be exactly 18 characters"),
                "{input}"
            );
        }
    }

    #[test]
    fn resident_id_bad_characters() {
        assert_eq!(
            resident_id("1101051949123100AX"),
            Err("first 17 characters must be digits")
        );
        assert_eq!(
            resident_id("X10105194912310021"),
            Err("first 17 characters must be digits")
        );
        // Full-width digit.
        assert_eq!(
            resident_id("１1010519491231002X"),
            Err("first 17 characters must be digits")
        );
        assert_eq!(
            resident_id("11010519491231002Y"),
            Err("check character must be a digit or X")
        );
    }

    #[test]
    fn resident_id_bad_dates() {
        for body in [
            "11010520000230001", // Feb 30
            "11010520010229001", // Feb 29 in a non-leap year
            "11010519000229001", // 1900 is not a leap year
            "11010519900431001", // Apr 31
            "11010519901301001", // month 13
            "11010519900001001", // month 0
            "11010519900100001", // day 0
            "11010519900132001", // Jan 32
        ] {
            let id = with_id_check(body);
            assert_eq!(resident_id(&id), Err("birth date is not a valid date"), "{id}");
        }
        for body in ["11010518991231001", "11010521010101001"] {
            let id = with_id_check(body);
            assert_eq!(
                resident_id(&id),
                Err("birth year must be between 1900 and 2100"),
                "{id}"
            );
        }
    }

    // ---- phone ----------------------------------------------------------------

    #[test]
    fn phone_mobile_forms() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+8613812345678",
            "+86 138 1234 5678",
            "+86-138-1234-5678",
            "8613812345678",
            "86 13812345678",
            "008613812345678",
            "  13812345678  ",
        ] {
            assert_eq!(phone(input), Ok("13812345678".to_owned()), "{input}");
        }
        for input in ["13012345678", "19912345678", "15000000000"] {
            assert_eq!(phone(input), Ok(input.to_owned()), "{input}");
        }
    }

    #[test]
    fn phone_landline_forms() {
        for (input, expected) in [
            ("010-12345678", "010-12345678"),
            ("01012345678", "010-12345678"),
            ("010 1234 5678", "010-12345678"),
            ("021-6123456", "021-6123456"),
            ("0755-88888888", "0755-88888888"),
            ("075588888888", "0755-88888888"),
            ("0571 8765432", "0571-8765432"),
            ("+86 10 1234 5678", "010-12345678"),
            ("+86-755-8888-8888", "0755-88888888"),
            ("8610 12345678", "010-12345678"),
            ("0086 21 6123 4567", "021-61234567"),
        ] {
            assert_eq!(phone(input), Ok(expected.to_owned()), "{input}");
        }
        assert_eq!(phone("+86 0755 88888888"), Ok("0755-88888888".to_owned()));
    }

    #[test]
    fn phone_foreign_numbers_by_their_country_rules() {
        for (input, expected) in [
            ("+962791234567", "+962791234567"),
            ("+962 79 123 4567", "+962791234567"),
            ("00962791234567", "+962791234567"),
            ("+1 415 555 2671", "+14155552671"),
            ("+852 2123 4567", "+85221234567"),
            ("+44 20 7946 0958", "+442079460958"),
        ] {
            assert_eq!(phone(input), Ok(expected.to_owned()), "{input}");
        }
    }

    #[test]
    fn phone_service_numbers() {
        for input in ["110", "119", "120", "122", "12345", "1 2 3 4 5"] {
            assert_eq!(phone(input), Ok(input.replace(' ', "")), "{input}");
        }
    }

    #[test]
    fn phone_rejected() {
        let chars = "may only contain digits, spaces, hyphens and a leading + with the country code";
        let foreign = "is not a valid number of its country";
        let not_international =
            "is not an international number: + (or 00), the country code, then the number";
        let mobile_len = "mobile number must have 11 digits";
        let mobile_prefix = "mobile number must start with 13 to 19";
        let landline_len = "landline number must have 7 or 8 digits after the area code";
        let short = "is too short";
        let empty = "must not be empty";
        for (input, reason) in [
            ("", empty),
            ("   ", empty),
            ("+", empty),
            ("1", short),
            ("11", short),
            ("138123456", mobile_len),
            ("1381234567", mobile_len),
            ("138123456789", mobile_len),
            ("12812345678", mobile_prefix),
            ("11012345678", mobile_prefix),
            ("+86 110", mobile_len),
            ("+86", "number is missing after the country code"),
            ("+962 79 123", foreign),
            ("+1 415 555", foreign),
            ("+0086 13812345678", not_international),
            ("+999 12345678", not_international),
            ("(010) 12345678", chars),
            ("138.1234.5678", chars),
            ("１３８１２３４５６７８", chars),
            ("138+12345678", chars),
            ("13812345678 ext 1", chars),
            (
                "23812345678",
                "must start with 0 (landline), 1 (mobile or service number) or +86",
            ),
            ("0", short),
            ("01", short),
            ("0755", landline_len),
            ("010-123456", landline_len),
            ("010-123456789", landline_len),
            ("0755-123456", landline_len),
            ("0755-123456789", landline_len),
            // 00 is the international prefix dialled from China: a country code must follow.
            ("0001234567", not_international),
        ] {
            assert_eq!(phone(input), Err(reason), "{input:?}");
        }
    }

    // ---- coordinates -----------------------------------------------------------

    #[test]
    fn coordinates_accepted() {
        for (lat, lng) in [
            (None, None),
            (Some(30.2741), Some(120.1551)),
            (Some(90.0), Some(180.0)),
            (Some(-90.0), Some(-180.0)),
            (Some(0.0), Some(-0.0)),
        ] {
            assert_eq!(coordinates(lat, lng), Ok(()), "{lat:?} {lng:?}");
        }
    }

    #[test]
    fn coordinates_rejected() {
        let finite = "must be a finite number";
        let lat_range = "must be between -90 and 90";
        let lng_range = "must be between -180 and 180";
        for (lat, lng, expected) in [
            (
                Some(1.0),
                None,
                ("longitude", "is required when latitude is given"),
            ),
            (
                None,
                Some(1.0),
                ("latitude", "is required when longitude is given"),
            ),
            (Some(90.0001), Some(0.0), ("latitude", lat_range)),
            (Some(-90.0001), Some(0.0), ("latitude", lat_range)),
            (Some(0.0), Some(180.0001), ("longitude", lng_range)),
            (Some(0.0), Some(-180.5), ("longitude", lng_range)),
            (Some(f64::NAN), Some(0.0), ("latitude", finite)),
            (Some(0.0), Some(f64::NAN), ("longitude", finite)),
            (Some(f64::INFINITY), Some(0.0), ("latitude", finite)),
            (Some(0.0), Some(f64::NEG_INFINITY), ("longitude", finite)),
            // Latitude is reported first when both are wrong.
            (Some(91.0), Some(181.0), ("latitude", lat_range)),
        ] {
            assert_eq!(coordinates(lat, lng), Err(expected), "{lat:?} {lng:?}");
        }
    }

    // ---- text ------------------------------------------------------------------

    #[test]
    fn text_counts_chinese_characters() {
        // 6 characters but 18 bytes.
        assert_eq!(text("枫桥经验调解", 1, 6), Ok("枫桥经验调解".to_owned()));
        assert_eq!(text("枫桥经验调解", 1, 5), Err("is too long"));
        assert_eq!(text("枫桥经验调解", 7, 10), Err("is too short"));
        // Combining sequences count per scalar value.
        assert_eq!(text("e\u{301}", 2, 2), Ok("e\u{301}".to_owned()));
    }

    #[test]
    fn text_trims_and_bounds() {
        assert_eq!(text("  hello \n", 1, 5), Ok("hello".to_owned()));
        // Ideographic space (U+3000) is whitespace too.
        assert_eq!(text("\u{3000}调解\u{3000}", 2, 2), Ok("调解".to_owned()));
        assert_eq!(text("", 0, 10), Ok(String::new()));
        assert_eq!(text("   ", 0, 10), Ok(String::new()));
        assert_eq!(text("", 1, 10), Err("must not be empty"));
        assert_eq!(text(" \t\n ", 1, 10), Err("must not be empty"));
        assert_eq!(text("ab", 3, 10), Err("is too short"));
        assert_eq!(text("abcdef", 0, 5), Err("is too long"));
        assert_eq!(text("abcde", 5, 5), Ok("abcde".to_owned()));
    }

    #[test]
    fn text_control_characters() {
        assert_eq!(
            text("第一行\n第二行\t缩进", 1, 100),
            Ok("第一行\n第二行\t缩进".to_owned())
        );
        for input in [
            "a\u{0}b",
            "a\rb",
            "a\u{7}b",
            "a\u{1b}[31mb",
            "a\u{7f}b",
            "a\u{85}b",
            "\u{0}",
        ] {
            assert_eq!(
                text(input, 0, 100),
                Err("must not contain control characters"),
                "{input:?}"
            );
        }
        // Trailing CR/LF are trimmed away rather than rejected.
        assert_eq!(text("line\r\n", 1, 10), Ok("line".to_owned()));
    }

    // ---- language --------------------------------------------------------------

    #[test]
    fn language_accepted() {
        for (input, expected) in [
            ("zh", "zh"),
            ("en", "en"),
            ("ar", "ar"),
            ("ZH", "zh"),
            ("zh-Hans", "zh-hans"),
            ("zh-hans-cn", "zh-hans-cn"),
            ("yue", "yue"),
            ("es-419", "es-419"),
            (" en-GB ", "en-gb"),
        ] {
            assert_eq!(language(input), Ok(expected.to_owned()), "{input}");
        }
    }

    #[test]
    fn language_rejected() {
        for (input, reason) in [
            ("", "must not be empty"),
            ("zh_CN", "subtags must be joined by '-', not '_'"),
            ("z", "language must be 2 or 3 letters"),
            ("chin", "language must be 2 or 3 letters"),
            ("z1", "language must be 2 or 3 letters"),
            ("中文", "language must be 2 or 3 letters"),
            ("-zh", "language must be 2 or 3 letters"),
            ("zh-", "subtags must be 2 to 8 letters or digits"),
            ("zh--cn", "subtags must be 2 to 8 letters or digits"),
            ("en-x-private", "subtags must be 2 to 8 letters or digits"),
            ("zh-abcdefghi", "subtags must be 2 to 8 letters or digits"),
            ("zh-ha ns", "subtags must be 2 to 8 letters or digits"),
        ] {
            assert_eq!(language(input), Err(reason), "{input:?}");
        }
    }

    // ---- country ---------------------------------------------------------------

    #[test]
    fn country_codes() {
        assert_eq!(country("cn"), Ok("CN".to_owned()));
        assert_eq!(country("Hk"), Ok("HK".to_owned()));
        assert_eq!(country(" US "), Ok("US".to_owned()));
        for input in ["", "C", "CHN", "C1", "中国", "Ｃ", "c-"] {
            assert_eq!(
                country(input),
                Err("must be two letters (ISO 3166-1 alpha-2)"),
                "{input:?}"
            );
        }
    }

    // ---- code ------------------------------------------------------------------

    #[test]
    fn code_values() {
        for input in ["G-330106-001", "unit_7", "A", "r2024-Q3", &"x".repeat(64)] {
            assert_eq!(code(input), Ok(input.to_owned()), "{input}");
        }
        assert_eq!(code(""), Err("must not be empty"));
        assert_eq!(code(&"x".repeat(65)), Err("must be at most 64 characters"));
        for input in [" A1", "A1 ", "a.b", "网格1", "a/b", "a\nb"] {
            assert_eq!(
                code(input),
                Err("may only contain letters, digits, '_' and '-'"),
                "{input:?}"
            );
        }
    }
}
