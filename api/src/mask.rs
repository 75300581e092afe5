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

/// `13812345678` → `138****5678`; landlines keep the area code and the last 2 digits;
/// foreign numbers (E.164) their country code and the last 4 digits.
pub fn phone(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let n = chars.len();
    // A foreign number in E.164 keeps its country code and last 4 digits: +962*****4567.
    if v.starts_with('+') {
        let cc = phonenumber::parse(None, v)
            .map(|p| p.code().value().to_string().len() + 1)
            .unwrap_or(3)
            .min(n);
        let tail = 4.min(n - cc);
        return format!(
            "{}{}{}",
            chars[..cc].iter().collect::<String>(),
            "*".repeat(n - cc - tail),
            chars[n - tail..].iter().collect::<String>()
        );
    }
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

/// `E12345678` → `E1*****78`: the first two and the last two characters.
pub fn document_number(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let n = chars.len();
    if n <= 4 {
        return "*".repeat(n);
    }
    format!(
        "{}{}{}",
        chars[..2].iter().collect::<String>(),
        "*".repeat(n - 4),
        chars[n - 2..].iter().collect::<String>()
    )
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

/// Administrative units an address may show, from province down to village or community.
/// Anything finer (road, compound, building, unit, room, house number) is never shown.
const ADMIN_SUFFIXES: [&str; 14] = [
    "自治区",
    "街道",
    "社区",
    "苏木",
    "省",
    "市",
    "州",
    "盟",
    "区",
    "县",
    "旗",
    "镇",
    "乡",
    "村",
];

/// The masked form of an address: the administrative part (province, city, district, county,
/// street or town, village or community) and `****` for the rest. The rule:
///
/// 1. Take the longest beginning of the address that ends with an administrative unit
///    (省 自治区 市 州 盟 区 县 旗 街道 镇 乡 苏木 村 社区) and holds no digit of any script.
/// 2. It must leave something to hide: an address that is only administrative units keeps
///    one unit less.
/// 3. Show that beginning followed by `****`; when there is none, show `****` alone.
///
/// So no house, building, unit or room number and no road, compound or place name is ever
/// shown, and a short address never comes back in clear:
///
/// | stored | masked |
/// |---|---|
/// | 浙江省杭州市拱墅区武林街道体育场路1号 | 浙江省杭州市拱墅区武林街道**** |
/// | 浙江省杭州市西湖区文三路90号 | 浙江省杭州市西湖区**** |
/// | 拱墅区3幢2单元301室 | 拱墅区**** |
/// | 文三路90号 | **** |
/// | 杭州市西湖区 | 杭州市**** |
/// | 长庆街道 | **** |
pub fn address(v: &str) -> String {
    let v = v.trim();
    let mut best = 0;
    let mut seen = String::new();
    for (i, c) in v.char_indices() {
        if c.is_numeric() {
            break;
        }
        seen.push(c);
        let end = i + c.len_utf8();
        if end < v.len() && ADMIN_SUFFIXES.iter().any(|s| seen.ends_with(s)) {
            best = end;
        }
    }
    format!("{}****", &v[..best])
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
        assert_eq!(address("浙江省杭州市拱墅区武林街道"), "浙江省杭州市拱墅区****");
        assert_eq!(
            address("浙江省杭州市拱墅区武林街道体育场路1号"),
            "浙江省杭州市拱墅区武林街道****"
        );
        assert_eq!(address("浙江省杭州市西湖区文三路90号"), "浙江省杭州市西湖区****");
        assert_eq!(address("拱墅区3幢2单元301室"), "拱墅区****");
        assert_eq!(address("文三路90号"), "****");
        assert_eq!(address("杭州市西湖区"), "杭州市****");
        assert_eq!(address("长庆街道"), "****");
        assert_eq!(address("某某市１２号"), "某某市****");
        assert_eq!(address("Flat 3, 12 Nathan Road"), "****");
        assert_eq!(address(""), "****");
    }
}
