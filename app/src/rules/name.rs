//! Names as shown to someone who is not their owner.

/// The family name and a star per other character (张*, 欧阳**): enough for a family member or
/// a canteen worker to recognise whom a record is about, not enough to read it out.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => "*".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_first_character() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name(" 欧阳娜娜 "), "欧***");
        assert_eq!(mask_name("李"), "李*");
        assert_eq!(mask_name(""), "*");
    }
}
