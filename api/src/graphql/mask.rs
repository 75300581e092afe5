//! Masking of personal data (PIPL): names, phone numbers, resident ID numbers and addresses
//! leave the service masked by default.

/// `张三` → `张*`, `欧阳娜娜` → `欧***`; a single character stays as `*`.
pub fn name(v: &str) -> String {
    let mut chars = v.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count();
            if rest == 0 {
                "*".into()
            } else {
                format!("{first}{}", "*".repeat(rest))
            }
        }
    }
}

/// `13812345678` → `138****5678`; landlines keep the area code and the last 2 digits.
pub fn phone(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let n = chars.len();
    if n == 11 && !v.contains('-') {
        return format!(
            "{}****{}",
            chars[..3].iter().collect::<String>(),
            chars[7..].iter().collect::<String>()
        );
    }
    if n <= 5 {
        return v.to_owned();
    }
    let keep_head = v.find('-').map(|i| i + 1).unwrap_or(3).min(n);
    let keep_tail = 2.min(n - keep_head);
    let head: String = chars[..keep_head].iter().collect();
    let tail: String = chars[n - keep_tail..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - keep_head - keep_tail))
}

/// `330106199001011234` → `330106********1234`.
pub fn resident_id(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    if chars.len() != 18 {
        return "*".repeat(chars.len());
    }
    format!(
        "{}********{}",
        chars[..6].iter().collect::<String>(),
        chars[14..].iter().collect::<String>()
    )
}

/// Keeps the first 6 characters of an address (district and street), masks the rest.
pub fn address(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let keep = chars.len().min(6);
    format!(
        "{}{}",
        chars[..keep].iter().collect::<String>(),
        if chars.len() > keep { "****" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_each_kind() {
        assert_eq!(name("张三"), "张*");
        assert_eq!(name("欧阳娜娜"), "欧***");
        assert_eq!(name("李"), "*");
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(phone("0571-87654321"), "0571-******21");
        assert_eq!(phone("110"), "110");
        assert_eq!(resident_id("330106199001011234"), "330106********1234");
        assert_eq!(address("浙江省杭州市拱墅区武林街道"), "浙江省杭州市****");
    }
}
