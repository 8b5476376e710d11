//! 身后事一件事 · 惠民殡葬 — the bundle's items as policy data.
//!
//! Which items a family's one application fans out to, which department does each, what each
//! needs, how long it may take and what it pays are set locally, so they are data: one file per
//! district (`app/policy/after-death-<district>.json`), checked when loaded. The code here
//! decides, for a questionnaire about the deceased, which items apply and why; computes due
//! instants on the working-day calendar (pausing while a task waits on the family); and holds
//! the one transition table of a task. Pure: the caller passes every instant.

use crate::rules::calendar::WorkCalendar;
use crate::rules::clock::shanghai_date;
use crate::rules::money::Fen;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The policy files the app ships, one per district.
pub const SHIPPED: [&str; 1] = [include_str!("../../policy/after-death-haishu.json")];

/// 部门: who does an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    /// 民政
    CivilAffairs,
    /// 公安
    PublicSecurity,
    /// 人社 (人力资源和社会保障)
    HumanResources,
    /// 医保
    MedicalInsurance,
    /// 残联
    DisabledPersons,
    /// 公积金
    HousingFund,
    /// 退役军人事务
    VeteransAffairs,
    /// 殡仪馆
    FuneralHome,
}

impl Department {
    pub const ALL: [Department; 8] = [
        Department::CivilAffairs,
        Department::PublicSecurity,
        Department::HumanResources,
        Department::MedicalInsurance,
        Department::DisabledPersons,
        Department::HousingFund,
        Department::VeteransAffairs,
        Department::FuneralHome,
    ];

    /// The snake_case key, as in the policy files and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Department::CivilAffairs => "civil_affairs",
            Department::PublicSecurity => "public_security",
            Department::HumanResources => "human_resources",
            Department::MedicalInsurance => "medical_insurance",
            Department::DisabledPersons => "disabled_persons",
            Department::HousingFund => "housing_fund",
            Department::VeteransAffairs => "veterans_affairs",
            Department::FuneralHome => "funeral_home",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Department::CivilAffairs => "民政",
            Department::PublicSecurity => "公安",
            Department::HumanResources => "人社",
            Department::MedicalInsurance => "医保",
            Department::DisabledPersons => "残联",
            Department::HousingFund => "公积金",
            Department::VeteransAffairs => "退役军人事务",
            Department::FuneralHome => "殡仪馆",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Department::CivilAffairs => "Civil affairs",
            Department::PublicSecurity => "Public security",
            Department::HumanResources => "Human resources and social security",
            Department::MedicalInsurance => "Medical insurance",
            Department::DisabledPersons => "Disabled persons' federation",
            Department::HousingFund => "Housing provident fund",
            Department::VeteransAffairs => "Veterans affairs",
            Department::FuneralHome => "Funeral home",
        }
    }
}

/// 安葬方式: how the ashes are laid to rest; the eco-burial reward depends on it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum BurialForm {
    /// 骨灰堂/公墓格位
    Columbarium,
    /// 海葬
    Sea,
    /// 树葬
    Tree,
    /// 草坪葬
    Lawn,
    /// 花坛葬
    Flower,
    /// 壁葬
    Wall,
    /// 传统墓穴
    Grave,
    /// 尚未确定: the family may apply before deciding.
    #[default]
    Undecided,
}

impl BurialForm {
    pub const ALL: [BurialForm; 8] = [
        BurialForm::Columbarium,
        BurialForm::Sea,
        BurialForm::Tree,
        BurialForm::Lawn,
        BurialForm::Flower,
        BurialForm::Wall,
        BurialForm::Grave,
        BurialForm::Undecided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BurialForm::Columbarium => "columbarium",
            BurialForm::Sea => "sea",
            BurialForm::Tree => "tree",
            BurialForm::Lawn => "lawn",
            BurialForm::Flower => "flower",
            BurialForm::Wall => "wall",
            BurialForm::Grave => "grave",
            BurialForm::Undecided => "undecided",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            BurialForm::Columbarium => "骨灰堂/公墓格位",
            BurialForm::Sea => "海葬",
            BurialForm::Tree => "树葬",
            BurialForm::Lawn => "草坪葬",
            BurialForm::Flower => "花坛葬",
            BurialForm::Wall => "壁葬",
            BurialForm::Grave => "传统墓穴",
            BurialForm::Undecided => "尚未确定",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            BurialForm::Columbarium => "Columbarium niche",
            BurialForm::Sea => "Sea burial",
            BurialForm::Tree => "Tree burial",
            BurialForm::Lawn => "Lawn burial",
            BurialForm::Flower => "Flower-bed burial",
            BurialForm::Wall => "Wall burial",
            BurialForm::Grave => "Traditional grave",
            BurialForm::Undecided => "Not decided yet",
        }
    }

    /// 节地生态安葬: the land-saving forms the reward encourages.
    pub fn is_eco(self) -> bool {
        matches!(
            self,
            BurialForm::Sea
                | BurialForm::Tree
                | BurialForm::Lawn
                | BurialForm::Flower
                | BurialForm::Wall
        )
    }
}

/// 问卷: what the applicant answers about the deceased. Missing answers read as "no", so a
/// form that leaves a box unticked and an older client agree.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Answers {
    /// 领取养老金
    pub pension: bool,
    /// 参加基本医疗保险
    pub medical_insurance: bool,
    /// 低保
    pub dibao: bool,
    /// 特困供养
    pub tekun: bool,
    /// 高龄津贴
    pub aged_allowance: bool,
    /// 持有残疾人证
    pub disability_card: bool,
    /// 退役军人
    pub veteran: bool,
    /// 住房公积金账户
    pub housing_fund: bool,
    /// 安葬方式
    pub burial: BurialForm,
}

/// One yes/no question of the questionnaire, as conditions name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    Pension,
    MedicalInsurance,
    Dibao,
    Tekun,
    AgedAllowance,
    DisabilityCard,
    Veteran,
    HousingFund,
}

impl Question {
    pub const ALL: [Question; 8] = [
        Question::Pension,
        Question::MedicalInsurance,
        Question::Dibao,
        Question::Tekun,
        Question::AgedAllowance,
        Question::DisabilityCard,
        Question::Veteran,
        Question::HousingFund,
    ];

    /// The applicant's answer.
    pub fn holds(self, a: &Answers) -> bool {
        match self {
            Question::Pension => a.pension,
            Question::MedicalInsurance => a.medical_insurance,
            Question::Dibao => a.dibao,
            Question::Tekun => a.tekun,
            Question::AgedAllowance => a.aged_allowance,
            Question::DisabilityCard => a.disability_card,
            Question::Veteran => a.veteran,
            Question::HousingFund => a.housing_fund,
        }
    }

    /// The answer as a sentence about the deceased, for "why does this item apply".
    pub fn reason(self, yes: bool) -> Reason {
        let (zh, en) = match (self, yes) {
            (Question::Pension, true) => ("逝者生前领取养老金", "The deceased drew a pension"),
            (Question::Pension, false) => (
                "逝者生前未领取养老金",
                "The deceased did not draw a pension",
            ),
            (Question::MedicalInsurance, true) => (
                "逝者生前参加基本医疗保险",
                "The deceased had basic medical insurance",
            ),
            (Question::MedicalInsurance, false) => (
                "逝者生前未参加基本医疗保险",
                "The deceased had no basic medical insurance",
            ),
            (Question::Dibao, true) => (
                "逝者生前享受最低生活保障（低保）",
                "The deceased received the minimum living allowance (dibao)",
            ),
            (Question::Dibao, false) => (
                "逝者生前未享受低保",
                "The deceased did not receive the minimum living allowance",
            ),
            (Question::Tekun, true) => (
                "逝者生前为特困供养人员",
                "The deceased received extreme-poverty support (tekun)",
            ),
            (Question::Tekun, false) => (
                "逝者生前不是特困供养人员",
                "The deceased did not receive extreme-poverty support",
            ),
            (Question::AgedAllowance, true) => (
                "逝者生前领取高龄津贴",
                "The deceased received the old-age allowance",
            ),
            (Question::AgedAllowance, false) => (
                "逝者生前未领取高龄津贴",
                "The deceased did not receive the old-age allowance",
            ),
            (Question::DisabilityCard, true) => {
                ("逝者持有残疾人证", "The deceased held a disability card")
            }
            (Question::DisabilityCard, false) => {
                ("逝者未持有残疾人证", "The deceased held no disability card")
            }
            (Question::Veteran, true) => ("逝者是退役军人", "The deceased was a veteran"),
            (Question::Veteran, false) => ("逝者不是退役军人", "The deceased was not a veteran"),
            (Question::HousingFund, true) => (
                "逝者有住房公积金账户",
                "The deceased had a housing provident fund account",
            ),
            (Question::HousingFund, false) => (
                "逝者没有住房公积金账户",
                "The deceased had no housing provident fund account",
            ),
        };
        Reason::new(zh, en)
    }
}

/// What an item needs: a document the applicant uploads (申请人自备) or data the department
/// already has (数据共享), so the family is asked only for the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Need {
    /// `key` names the document across items: one upload serves every item that needs it.
    Upload {
        key: String,
        name_zh: String,
        name_en: String,
    },
    Shared {
        name_zh: String,
        name_en: String,
    },
}

/// 办理时限: how long a department may take once the task reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimit {
    /// `{"working_days": 5}`: whole working days after the day received.
    WorkingDays(u32),
    /// `{"hours": 24}`: round the clock (the funeral home works every day).
    Hours(u32),
}

impl TimeLimit {
    /// `5个工作日`, `24小时`.
    pub fn zh(self) -> String {
        match self {
            TimeLimit::WorkingDays(n) => format!("{n}个工作日"),
            TimeLimit::Hours(n) => format!("{n}小时"),
        }
    }

    /// `5 working days`, `1 working day`, `24 hours`.
    pub fn en(self) -> String {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        match self {
            TimeLimit::WorkingDays(n) => format!("{n} working day{}", plural(n)),
            TimeLimit::Hours(n) => format!("{n} hour{}", plural(n)),
        }
    }

    fn is_positive(self) -> bool {
        match self {
            TimeLimit::WorkingDays(n) | TimeLimit::Hours(n) => n > 0,
        }
    }
}

/// Eligibility as data, e.g. `{"all":[{"answer":"pension"},{"burial_in":["sea","tree"]}]}`, so
/// a district changes who qualifies without a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// `"always"`
    Always,
    /// `{"answer":"pension"}`: the applicant answered yes.
    Answer(Question),
    /// `{"burial_in":["sea"]}`: the burial form chosen is one of these.
    BurialIn(Vec<BurialForm>),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// Whether `c` holds for these answers.
pub fn condition_holds(c: &Condition, a: &Answers) -> bool {
    match c {
        Condition::Always => true,
        Condition::Answer(q) => q.holds(a),
        Condition::BurialIn(forms) => forms.contains(&a.burial),
        Condition::All(cs) => cs.iter().all(|c| condition_holds(c, a)),
        Condition::Any(cs) => cs.iter().any(|c| condition_holds(c, a)),
        Condition::Not(c) => !condition_holds(c, a),
    }
}

/// One part of an amount, e.g. 火化 (cremation) of the basic services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountPart {
    pub name_zh: String,
    pub name_en: String,
    pub fen: Fen,
}

/// An amount the policy allows (the cap), with its parts (e.g. the four basic services).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    pub parts: Vec<AmountPart>,
    /// A demo figure, not a published standard: pages say so next to it.
    #[serde(default)]
    pub demo: bool,
}

impl Amount {
    /// The cap: the sum of the parts.
    pub fn total(&self) -> Fen {
        self.parts.iter().map(|p| p.fen).sum()
    }

    /// What is granted for a claimed cost: the actual cost up to the cap (按实结算, never
    /// more than the standard, never negative).
    pub fn grant(&self, claimed: Fen) -> Fen {
        claimed.max(Fen::ZERO).min(self.total())
    }
}

/// An amount that depends on the burial form (the eco-burial reward):
/// `{"forms":["sea"], "fen": 300000}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurialAmount {
    pub forms: Vec<BurialForm>,
    pub fen: Fen,
    #[serde(default)]
    pub demo: bool,
}

/// One item of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRule {
    /// Stable key (snake_case), stored with each task.
    pub key: String,
    pub department: Department,
    pub name_zh: String,
    pub name_en: String,
    /// A short description of what the department does.
    #[serde(default)]
    pub about_zh: String,
    #[serde(default)]
    pub about_en: String,
    #[serde(default)]
    pub needs: Vec<Need>,
    pub limit: TimeLimit,
    pub when: Condition,
    /// A fixed amount; or, for an amount by burial form, `by_burial`. Never both.
    #[serde(default)]
    pub amount: Option<Amount>,
    #[serde(default)]
    pub by_burial: Vec<BurialAmount>,
    /// A subsidy the 民政 reviewer approves and pays (so its task goes Approved → Done by Pay).
    #[serde(default)]
    pub pays: bool,
    /// Accepting this item is 民政 accepting the death record: every service the deceased used
    /// then follows it (the cascade of issue 15). Exactly one item: under civil affairs, always.
    #[serde(default)]
    pub confirms_death: bool,
}

impl ItemRule {
    /// The amount for these answers: the fixed amount, or the one for the chosen burial form
    /// (its single part named after the form). `None` if the item has no amount for them.
    pub fn amount_for(&self, a: &Answers) -> Option<Amount> {
        if let Some(amount) = &self.amount {
            return Some(amount.clone());
        }
        let b = self
            .by_burial
            .iter()
            .find(|b| b.forms.contains(&a.burial))?;
        Some(Amount {
            parts: vec![AmountPart {
                name_zh: a.burial.name_zh().to_owned(),
                name_en: a.burial.name_en().to_owned(),
                fen: b.fen,
            }],
            demo: b.demo,
        })
    }

    /// Whether the item carries an amount for some answers.
    pub fn has_amount(&self) -> bool {
        self.amount.is_some() || !self.by_burial.is_empty()
    }

    /// The documents the applicant uploads for this item: `(key, name_zh, name_en)`.
    pub fn uploads(&self) -> impl Iterator<Item = (&str, &str, &str)> + '_ {
        self.needs.iter().filter_map(|n| match n {
            Need::Upload {
                key,
                name_zh,
                name_en,
            } => Some((key.as_str(), name_zh.as_str(), name_en.as_str())),
            Need::Shared { .. } => None,
        })
    }
}

/// One district's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The district key, e.g. `haishu`.
    pub district: String,
    pub name_zh: String,
    pub name_en: String,
    /// Stored with each application, so a decision can be traced to the text it was made under.
    pub version: String,
    /// The whole file is demo data, not a published policy.
    #[serde(default)]
    pub demo: bool,
    pub effective_from: NaiveDate,
    /// A note pages show with the policy (e.g. what the demo figures are).
    #[serde(default)]
    pub note_zh: String,
    #[serde(default)]
    pub note_en: String,
    /// Four eyes: a payment above this needs a second reviewer's approval.
    pub payment_second_approval_above: Fen,
    pub items: Vec<ItemRule>,
}

impl Policy {
    pub fn item(&self, key: &str) -> Option<&ItemRule> {
        self.items.iter().find(|i| i.key == key)
    }

    /// Whether paying `amount` needs a second reviewer.
    pub fn needs_second_approval(&self, amount: Fen) -> bool {
        amount > self.payment_second_approval_above
    }

    /// Checks what an editor of the file could get wrong.
    fn validate(&self) -> Result<(), String> {
        let d = &self.district;
        if !is_key(d) {
            return Err(format!("district key {d:?} is not snake_case"));
        }
        if self.name_zh.is_empty() || self.name_en.is_empty() || self.version.is_empty() {
            return Err(format!("{d}: names and version must not be empty"));
        }
        if self.payment_second_approval_above < Fen::ZERO {
            return Err(format!("{d}: the second-approval threshold is negative"));
        }
        if self.items.is_empty() {
            return Err(format!("{d}: no items"));
        }
        let confirming: Vec<&ItemRule> = self.items.iter().filter(|i| i.confirms_death).collect();
        match confirming.as_slice() {
            [i] if i.department == Department::CivilAffairs && i.when == Condition::Always => {}
            [i] => {
                return Err(format!(
                "{d}/{}: the item that confirms the death must be civil affairs' and always apply",
                i.key
            ))
            }
            _ => return Err(format!("{d}: exactly one item must confirm the death")),
        }
        let mut keys = BTreeSet::new();
        let mut upload_names: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        for item in &self.items {
            let k = &item.key;
            if !is_key(k) {
                return Err(format!("{d}: item key {k:?} is not snake_case"));
            }
            if !keys.insert(k.as_str()) {
                return Err(format!("{d}: item {k} is given twice"));
            }
            if item.name_zh.is_empty() || item.name_en.is_empty() {
                return Err(format!("{d}/{k}: names must not be empty"));
            }
            if !item.limit.is_positive() {
                return Err(format!("{d}/{k}: the time limit must be above zero"));
            }
            validate_condition(&item.when).map_err(|e| format!("{d}/{k}: {e}"))?;
            if item.amount.is_some() && !item.by_burial.is_empty() {
                return Err(format!("{d}/{k}: both amount and by_burial"));
            }
            let mut demo_amounts = vec![];
            if let Some(a) = &item.amount {
                if a.parts.is_empty() {
                    return Err(format!("{d}/{k}: an amount without parts"));
                }
                if a.parts.iter().any(|p| !p.fen.is_positive()) {
                    return Err(format!(
                        "{d}/{k}: every part of an amount must be above zero"
                    ));
                }
                if a.parts
                    .iter()
                    .map(|p| p.fen)
                    .try_fold(Fen::ZERO, Fen::checked_add)
                    .is_none()
                {
                    return Err(format!("{d}/{k}: the amount overflows"));
                }
                demo_amounts.push(a.demo);
            }
            let mut seen_forms = BTreeSet::new();
            for b in &item.by_burial {
                if b.forms.is_empty() {
                    return Err(format!("{d}/{k}: a by_burial entry without forms"));
                }
                if !b.fen.is_positive() {
                    return Err(format!("{d}/{k}: every amount must be above zero"));
                }
                if let Some(f) = b.forms.iter().find(|f| !seen_forms.insert(**f)) {
                    return Err(format!("{d}/{k}: {} has two amounts", f.as_str()));
                }
                demo_amounts.push(b.demo);
            }
            if demo_amounts.iter().any(|demo| *demo) && !self.demo {
                return Err(format!(
                    "{d}/{k}: a demo amount in a policy not marked demo"
                ));
            }
            if item.pays && !item.has_amount() {
                return Err(format!("{d}/{k}: pays without an amount"));
            }
            if item.pays && item.department != Department::CivilAffairs {
                return Err(format!("{d}/{k}: only civil affairs pays"));
            }
            let mut item_uploads = BTreeSet::new();
            for need in &item.needs {
                let (zh, en) = match need {
                    Need::Upload {
                        name_zh, name_en, ..
                    }
                    | Need::Shared { name_zh, name_en } => (name_zh, name_en),
                };
                if zh.is_empty() || en.is_empty() {
                    return Err(format!("{d}/{k}: a need without names"));
                }
            }
            for (key, zh, en) in item.uploads() {
                if !is_key(key) {
                    return Err(format!("{d}/{k}: upload key {key:?} is not snake_case"));
                }
                if !item_uploads.insert(key) {
                    return Err(format!("{d}/{k}: upload {key} is given twice"));
                }
                if let Some(names) = upload_names.insert(key, (zh, en)) {
                    if names != (zh, en) {
                        return Err(format!(
                            "{d}/{k}: upload {key} is named differently in another item"
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn validate_condition(c: &Condition) -> Result<(), String> {
    match c {
        Condition::Always | Condition::Answer(_) => Ok(()),
        Condition::BurialIn(forms) if forms.is_empty() => Err("an empty burial_in".into()),
        Condition::BurialIn(_) => Ok(()),
        Condition::All(cs) | Condition::Any(cs) if cs.is_empty() => Err("an empty all/any".into()),
        Condition::All(cs) | Condition::Any(cs) => cs.iter().try_for_each(validate_condition),
        Condition::Not(c) => validate_condition(c),
    }
}

/// The loaded policies, one per district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policies {
    policies: Vec<Policy>,
}

impl Policies {
    /// The shipped files (tested valid).
    pub fn shipped() -> Self {
        Self::from_files(&SHIPPED).expect("the shipped after-death policies are valid")
    }

    /// Policies from their JSON text, each checked: unique districts, unique item keys,
    /// amounts and time limits above zero, no empty conditions, only civil affairs pays.
    pub fn from_files(files: &[&str]) -> Result<Self, String> {
        let mut policies: Vec<Policy> = vec![];
        for text in files {
            let p: Policy = serde_json::from_str(text).map_err(|e| e.to_string())?;
            p.validate()?;
            if policies.iter().any(|q| q.district == p.district) {
                return Err(format!("district {} is given twice", p.district));
            }
            policies.push(p);
        }
        Ok(Self { policies })
    }

    pub fn district(&self, key: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.district == key)
    }

    pub fn all(&self) -> &[Policy] {
        &self.policies
    }
}

/// Why an item applies or not, in both languages, one line each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub zh: String,
    pub en: String,
}

impl Reason {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// One item's decision for these answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision<'p> {
    pub item: &'p ItemRule,
    pub applies: bool,
    pub reasons: Vec<Reason>,
    /// Only if the item applies and carries an amount for these answers.
    pub amount: Option<Amount>,
}

/// 哪些事项适用: every item of the policy, in file order, with whether it applies and why.
pub fn decide<'p>(policy: &'p Policy, answers: &Answers) -> Vec<Decision<'p>> {
    policy
        .items
        .iter()
        .map(|item| {
            let (applies, reasons) = explain(&item.when, answers);
            let amount = if applies {
                item.amount_for(answers)
            } else {
                None
            };
            Decision {
                item,
                applies,
                reasons,
                amount,
            }
        })
        .collect()
}

/// The documents to upload for the items that apply, each once (in the order first needed),
/// so one form asks for each document one time: `(key, name_zh, name_en)`.
pub fn needed_uploads<'p>(decisions: &[Decision<'p>]) -> Vec<(&'p str, &'p str, &'p str)> {
    let mut seen = BTreeSet::new();
    let mut out = vec![];
    for d in decisions.iter().filter(|d| d.applies) {
        for u in d.item.uploads() {
            if seen.insert(u.0) {
                out.push(u);
            }
        }
    }
    out
}

/// Whether `c` holds, and the facts that decide it: for a result of `all`, the failing parts
/// if it fails; for `any`, the parts that hold if it holds; otherwise every part.
fn explain(c: &Condition, a: &Answers) -> (bool, Vec<Reason>) {
    match c {
        Condition::Always => (
            true,
            vec![Reason::new("每位逝者都需办理", "Needed for everyone")],
        ),
        Condition::Answer(q) => {
            let yes = q.holds(a);
            (yes, vec![q.reason(yes)])
        }
        Condition::BurialIn(forms) => {
            let yes = forms.contains(&a.burial);
            (yes, vec![burial_reason(a.burial, forms, yes)])
        }
        Condition::All(cs) => {
            let parts: Vec<_> = cs.iter().map(|c| explain(c, a)).collect();
            let yes = parts.iter().all(|(h, _)| *h);
            let reasons = parts
                .into_iter()
                .filter(|(h, _)| yes || !*h)
                .flat_map(|(_, r)| r)
                .collect();
            (yes, reasons)
        }
        Condition::Any(cs) => {
            let parts: Vec<_> = cs.iter().map(|c| explain(c, a)).collect();
            let yes = parts.iter().any(|(h, _)| *h);
            let reasons = parts
                .into_iter()
                .filter(|(h, _)| !yes || *h)
                .flat_map(|(_, r)| r)
                .collect();
            (yes, reasons)
        }
        // The facts stay true when the rule asks for their opposite; only "always" needs words.
        Condition::Not(inner) if matches!(**inner, Condition::Always) => (
            false,
            vec![Reason::new(
                "本区暂不办理此事项",
                "The district does not offer this item for now",
            )],
        ),
        Condition::Not(inner) => {
            let (h, r) = explain(inner, a);
            (!h, r)
        }
    }
}

fn burial_reason(chosen: BurialForm, forms: &[BurialForm], yes: bool) -> Reason {
    if chosen == BurialForm::Undecided && !yes {
        return Reason::new("尚未确定安葬方式", "The burial form is not decided yet");
    }
    if yes {
        return Reason::new(
            format!("安葬方式为{}", chosen.name_zh()),
            format!("Burial form: {}", chosen.name_en()),
        );
    }
    let zh: Vec<_> = forms.iter().map(|f| f.name_zh()).collect();
    let en: Vec<_> = forms.iter().map(|f| f.name_en()).collect();
    Reason::new(
        format!("安葬方式为{}，不属于{}", chosen.name_zh(), zh.join("、")),
        format!(
            "Burial form: {}, not one of {}",
            chosen.name_en(),
            en.join(", ")
        ),
    )
}

/// The instant a Shanghai day ends (24:00 Asia/Shanghai = 16:00 UTC).
fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(16, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The n-th working day after `day` (`day` itself not counted); `None` past the end of dates.
fn nth_working_day_after(cal: &WorkCalendar, day: NaiveDate, n: u32) -> Option<NaiveDate> {
    let mut d = day;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt()?;
        if cal.is_working_day(d) {
            left -= 1;
        }
    }
    Some(d)
}

/// 到期时间: when a task received at `from` is due. `WorkingDays(n)`: the end (24:00
/// Asia/Shanghai) of the n-th working day after the Shanghai day of `from` (that day itself
/// does not count, whatever the hour; rest days and holidays are skipped; adjusted working
/// days count); `WorkingDays(0)` is the end of that day. `Hours(n)`: `from` + n hours.
/// Saturates at the last representable instant rather than panicking.
pub fn due_at(limit: TimeLimit, from: DateTime<Utc>, cal: &WorkCalendar) -> DateTime<Utc> {
    match limit {
        TimeLimit::WorkingDays(n) => nth_working_day_after(cal, shanghai_date(from), n)
            .map(end_of_day)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        TimeLimit::Hours(n) => from
            .checked_add_signed(TimeDelta::hours(i64::from(n)))
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    }
}

/// The time limit pauses while a task waits on the family (退回补正): the new due instant when
/// a task returned at `paused` is resubmitted at `resumed`. `WorkingDays`: `due` moved later by
/// the number of working days whose start lies in [day of `paused`, day of `resumed`) — the
/// working days spent waiting; 0 if resubmitted the same day. `Hours`: `due` + (`resumed` −
/// `paused`). Never earlier than `due`.
pub fn resume_due(
    limit: TimeLimit,
    due: DateTime<Utc>,
    paused: DateTime<Utc>,
    resumed: DateTime<Utc>,
    cal: &WorkCalendar,
) -> DateTime<Utc> {
    if resumed <= paused {
        return due;
    }
    let moved = match limit {
        TimeLimit::WorkingDays(_) => {
            let (from, to) = (shanghai_date(paused), shanghai_date(resumed));
            let waited = from
                .iter_days()
                .take_while(|d| *d < to)
                .filter(|d| cal.is_working_day(*d))
                .count();
            let waited = u32::try_from(waited).unwrap_or(u32::MAX);
            // The day the limit ends on: just before `due` (a due at 24:00 belongs to that day).
            due.checked_sub_signed(TimeDelta::nanoseconds(1))
                .map(shanghai_date)
                .and_then(|due_day| {
                    let day = nth_working_day_after(cal, due_day, waited)?;
                    due.checked_add_signed(day - due_day)
                })
        }
        TimeLimit::Hours(_) => due.checked_add_signed(resumed - paused),
    };
    moved.unwrap_or(DateTime::<Utc>::MAX_UTC).max(due)
}

/// 事项状态: where one item's task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// 已提交
    Submitted,
    /// 已受理
    Accepted,
    /// 退回补正: waits on the family (the time limit pauses).
    Returned,
    /// 已补正
    Resubmitted,
    /// 已批准: a subsidy awaiting payment.
    Approved,
    /// 不予批准, with a reason.
    Rejected,
    /// 已办结 / 已发放
    Done,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 7] = [
        TaskStatus::Submitted,
        TaskStatus::Accepted,
        TaskStatus::Returned,
        TaskStatus::Resubmitted,
        TaskStatus::Approved,
        TaskStatus::Rejected,
        TaskStatus::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Submitted => "submitted",
            TaskStatus::Accepted => "accepted",
            TaskStatus::Returned => "returned",
            TaskStatus::Resubmitted => "resubmitted",
            TaskStatus::Approved => "approved",
            TaskStatus::Rejected => "rejected",
            TaskStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Nothing happens to the task any more.
    pub fn is_final(self) -> bool {
        matches!(self, TaskStatus::Rejected | TaskStatus::Done)
    }

    /// The family has to act (补正), so the time limit is paused.
    pub fn waits_on_family(self) -> bool {
        self == TaskStatus::Returned
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            TaskStatus::Submitted => "已提交",
            TaskStatus::Accepted => "已受理",
            TaskStatus::Returned => "退回补正",
            TaskStatus::Resubmitted => "已补正",
            TaskStatus::Approved => "已批准",
            TaskStatus::Rejected => "不予批准",
            TaskStatus::Done => "已办结",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            TaskStatus::Submitted => "Submitted",
            TaskStatus::Accepted => "Accepted",
            TaskStatus::Returned => "Returned for more documents",
            TaskStatus::Resubmitted => "Documents supplied",
            TaskStatus::Approved => "Approved",
            TaskStatus::Rejected => "Not approved",
            TaskStatus::Done => "Done",
        }
    }
}

/// What a department (or the family, for `Resubmit`) does to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskEvent {
    /// 受理
    Accept,
    /// 退回补正
    Return,
    /// 补正提交 (the family)
    Resubmit,
    /// 批准 (a subsidy)
    Approve,
    /// 不予批准
    Reject,
    /// 办结: done without payment.
    Complete,
    /// 发放: the payment went out.
    Pay,
}

impl TaskEvent {
    pub const ALL: [TaskEvent; 7] = [
        TaskEvent::Accept,
        TaskEvent::Return,
        TaskEvent::Resubmit,
        TaskEvent::Approve,
        TaskEvent::Reject,
        TaskEvent::Complete,
        TaskEvent::Pay,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskEvent::Accept => "accept",
            TaskEvent::Return => "return",
            TaskEvent::Resubmit => "resubmit",
            TaskEvent::Approve => "approve",
            TaskEvent::Reject => "reject",
            TaskEvent::Complete => "complete",
            TaskEvent::Pay => "pay",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            TaskEvent::Accept => "受理",
            TaskEvent::Return => "退回补正",
            TaskEvent::Resubmit => "补正提交",
            TaskEvent::Approve => "批准",
            TaskEvent::Reject => "不予批准",
            TaskEvent::Complete => "办结",
            TaskEvent::Pay => "发放",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            TaskEvent::Accept => "Accept",
            TaskEvent::Return => "Return for more documents",
            TaskEvent::Resubmit => "Supply documents",
            TaskEvent::Approve => "Approve",
            TaskEvent::Reject => "Reject",
            TaskEvent::Complete => "Complete",
            TaskEvent::Pay => "Record payment",
        }
    }
}

/// The one transition table of a task; `None` = refused. `pays` is the item's: a subsidy ends
/// by Approve then Pay, any other item by Complete.
pub fn transition(from: TaskStatus, event: TaskEvent, pays: bool) -> Option<TaskStatus> {
    use TaskEvent as E;
    use TaskStatus as S;
    match (from, event) {
        (S::Submitted | S::Resubmitted, E::Accept) => Some(S::Accepted),
        (S::Accepted | S::Resubmitted, E::Return) => Some(S::Returned),
        (S::Returned, E::Resubmit) => Some(S::Resubmitted),
        (S::Accepted | S::Resubmitted, E::Approve) if pays => Some(S::Approved),
        (S::Accepted | S::Resubmitted, E::Complete) if !pays => Some(S::Done),
        (S::Accepted | S::Resubmitted, E::Reject) => Some(S::Rejected),
        (S::Approved, E::Pay) => Some(S::Done),
        _ => None,
    }
}

/// The events a task in `from` accepts, for the buttons a page shows.
pub fn allowed_events(from: TaskStatus, pays: bool) -> Vec<TaskEvent> {
    TaskEvent::ALL
        .into_iter()
        .filter(|e| transition(from, *e, pays).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn haishu() -> Policy {
        Policies::shipped().district("haishu").unwrap().clone()
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    const ALWAYS: [&str; 3] = [
        "cremation_certificate",
        "hukou_cancellation",
        "basic_funeral_services",
    ];

    fn applying(p: &Policy, a: &Answers) -> Vec<String> {
        decide(p, a)
            .into_iter()
            .filter(|d| d.applies)
            .map(|d| d.item.key.clone())
            .collect()
    }

    #[test]
    fn the_shipped_policy_parses_is_marked_demo_and_its_item_keys_are_unique() {
        let all = Policies::shipped();
        assert_eq!(all.all().len(), SHIPPED.len());
        let p = all.district("haishu").expect("haishu ships");
        assert_eq!(p.name_zh, "海曙区");
        assert!(p.demo);
        assert!(p.version.contains("demo"));
        assert_eq!(p.payment_second_approval_above, Fen(200_000));
        let keys: BTreeSet<_> = p.items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys.len(), p.items.len());
        for item in &p.items {
            if let Some(a) = &item.amount {
                assert!(a.demo, "{}", item.key);
            }
            for b in &item.by_burial {
                assert!(b.demo, "{}", item.key);
            }
        }
        assert!(all.district("yinzhou").is_none());
        // Every department of the bundle has at least one item.
        for d in Department::ALL {
            assert!(p.items.iter().any(|i| i.department == d), "{d:?}");
        }
    }

    #[test]
    fn which_items_apply_follows_the_questionnaire() {
        let p = haishu();
        let everything = Answers {
            pension: true,
            medical_insurance: true,
            dibao: true,
            tekun: true,
            aged_allowance: true,
            disability_card: true,
            veteran: true,
            housing_fund: true,
            burial: BurialForm::Tree,
        };
        let rows: Vec<(&str, Answers, Vec<&str>)> = vec![
            (
                "no pension, columbarium",
                Answers {
                    medical_insurance: true,
                    burial: BurialForm::Columbarium,
                    ..Answers::default()
                },
                vec!["medical_insurance_settlement"],
            ),
            (
                "pension and sea burial",
                Answers {
                    pension: true,
                    burial: BurialForm::Sea,
                    ..Answers::default()
                },
                vec!["eco_burial_reward", "pension_and_funeral_grant"],
            ),
            (
                "dibao and tekun",
                Answers {
                    dibao: true,
                    tekun: true,
                    burial: BurialForm::Grave,
                    ..Answers::default()
                },
                vec!["social_assistance_end"],
            ),
            (
                "tekun only",
                Answers {
                    tekun: true,
                    ..Answers::default()
                },
                vec!["social_assistance_end"],
            ),
            (
                "veteran with a disability card",
                Answers {
                    veteran: true,
                    disability_card: true,
                    burial: BurialForm::Wall,
                    ..Answers::default()
                },
                vec![
                    "eco_burial_reward",
                    "disability_card_cancellation",
                    "veteran_benefits",
                ],
            ),
            ("all false, burial undecided", Answers::default(), vec![]),
            (
                "everything true",
                everything,
                vec![
                    "eco_burial_reward",
                    "pension_and_funeral_grant",
                    "medical_insurance_settlement",
                    "social_assistance_end",
                    "aged_allowance_end",
                    "disability_card_cancellation",
                    "veteran_benefits",
                    "housing_fund_withdrawal",
                ],
            ),
        ];
        for (why, answers, extra) in rows {
            let got = applying(&p, &answers);
            let mut want: Vec<String> = ALWAYS.iter().map(|s| s.to_string()).collect();
            want.extend(extra.iter().map(|s| s.to_string()));
            let order = |k: &String| p.items.iter().position(|i| &i.key == k).unwrap();
            want.sort_by_key(order);
            assert_eq!(got, want, "{why}");
            // Every item is listed, in file order, with at least one reason.
            let all = decide(&p, &answers);
            assert_eq!(all.len(), p.items.len());
            for (d, item) in all.iter().zip(&p.items) {
                assert_eq!(d.item, item);
                assert!(!d.reasons.is_empty(), "{why}: {}", item.key);
                assert_eq!(d.applies, condition_holds(&item.when, &answers));
                assert!(d.applies || d.amount.is_none());
            }
        }
    }

    #[test]
    fn reasons_say_why_in_both_languages() {
        let p = haishu();
        let a = Answers {
            pension: true,
            tekun: true,
            ..Answers::default()
        };
        let ds = decide(&p, &a);
        let by = |k: &str| ds.iter().find(|d| d.item.key == k).unwrap();
        assert_eq!(
            by("cremation_certificate").reasons,
            vec![Reason::new("每位逝者都需办理", "Needed for everyone")]
        );
        assert_eq!(
            by("pension_and_funeral_grant").reasons,
            vec![Reason::new(
                "逝者生前领取养老金",
                "The deceased drew a pension"
            )]
        );
        // Of an `any` that holds, only the part that holds is given.
        assert_eq!(
            by("social_assistance_end").reasons,
            vec![Question::Tekun.reason(true)]
        );
        assert_eq!(
            by("eco_burial_reward").reasons,
            vec![Reason::new(
                "尚未确定安葬方式",
                "The burial form is not decided yet"
            )]
        );
        let none = decide(&p, &Answers::default());
        let r = &none
            .iter()
            .find(|d| d.item.key == "pension_and_funeral_grant")
            .unwrap()
            .reasons;
        assert_eq!(
            r,
            &vec![Reason::new(
                "逝者生前未领取养老金",
                "The deceased did not draw a pension"
            )]
        );
        // Of an `any` that fails, every part is given.
        let r = &none
            .iter()
            .find(|d| d.item.key == "social_assistance_end")
            .unwrap()
            .reasons;
        assert_eq!(
            r,
            &vec![Question::Dibao.reason(false), Question::Tekun.reason(false)]
        );
        let grave = decide(
            &p,
            &Answers {
                burial: BurialForm::Grave,
                ..Answers::default()
            },
        );
        let r = &grave
            .iter()
            .find(|d| d.item.key == "eco_burial_reward")
            .unwrap()
            .reasons;
        assert_eq!(
            r[0].zh,
            "安葬方式为传统墓穴，不属于海葬、树葬、草坪葬、花坛葬、壁葬"
        );
        assert!(r[0]
            .en
            .starts_with("Burial form: Traditional grave, not one of Sea burial"));
    }

    #[test]
    fn all_any_and_not_combine_and_explain_their_deciding_parts() {
        let c: Condition = serde_json::from_str(
            r#"{"all":[{"answer":"pension"},{"burial_in":["sea","tree"]},{"not":{"answer":"veteran"}}]}"#,
        )
        .unwrap();
        let yes = Answers {
            pension: true,
            burial: BurialForm::Sea,
            ..Answers::default()
        };
        assert!(condition_holds(&c, &yes));
        let (h, r) = explain(&c, &yes);
        assert!(h);
        assert_eq!(
            r,
            vec![
                Question::Pension.reason(true),
                Reason::new("安葬方式为海葬", "Burial form: Sea burial"),
                Question::Veteran.reason(false),
            ]
        );
        let veteran = Answers {
            veteran: true,
            ..yes.clone()
        };
        let (h, r) = explain(&c, &veteran);
        assert!(!h && !condition_holds(&c, &veteran));
        assert_eq!(r, vec![Question::Veteran.reason(true)]);
        let off = Condition::Not(Box::new(Condition::Always));
        assert!(!condition_holds(&off, &yes));
        assert_eq!(explain(&off, &yes).1.len(), 1);
        assert_eq!(
            serde_json::from_str::<Condition>(r#""always""#).unwrap(),
            Condition::Always
        );
    }

    #[test]
    fn amounts_are_in_fen_the_basic_services_sum_their_parts_and_the_eco_reward_depends_on_the_form(
    ) {
        let p = haishu();
        let basic = p.item("basic_funeral_services").unwrap();
        let a = basic.amount_for(&Answers::default()).unwrap();
        assert_eq!(a.parts.len(), 4);
        assert_eq!(
            a.parts
                .iter()
                .map(|p| p.name_zh.as_str())
                .collect::<Vec<_>>(),
            ["遗体接运", "遗体存放", "火化", "骨灰寄存"]
        );
        assert_eq!(a.total(), Fen(50_000 + 30_000 + 60_000 + 20_000));
        assert_eq!(a.total(), Fen::yuan(1_600));
        assert!(a.demo);
        assert!(!p.needs_second_approval(a.total()));

        let eco = p.item("eco_burial_reward").unwrap();
        let cases = [
            (BurialForm::Sea, Some(Fen::yuan(3_000))),
            (BurialForm::Tree, Some(Fen::yuan(2_000))),
            (BurialForm::Lawn, Some(Fen::yuan(2_000))),
            (BurialForm::Flower, Some(Fen::yuan(2_000))),
            (BurialForm::Wall, Some(Fen::yuan(1_500))),
            (BurialForm::Columbarium, None),
            (BurialForm::Grave, None),
            (BurialForm::Undecided, None),
        ];
        for (form, want) in cases {
            let answers = Answers {
                burial: form,
                ..Answers::default()
            };
            let got = eco.amount_for(&answers);
            assert_eq!(got.as_ref().map(Amount::total), want, "{form:?}");
            // The reward is paid exactly when the item applies, and only for eco forms.
            let d = decide(&p, &answers)
                .into_iter()
                .find(|d| d.item.key == "eco_burial_reward")
                .unwrap();
            assert_eq!(d.applies, form.is_eco());
            assert_eq!(d.amount.map(|a| a.total()), want);
            if let Some(a) = got {
                assert_eq!(a.parts[0].name_zh, form.name_zh());
            }
        }
        assert!(p.needs_second_approval(Fen::yuan(3_000)));
        assert!(!p.needs_second_approval(Fen::yuan(2_000)));
        // Items without an amount have none.
        assert_eq!(
            p.item("hukou_cancellation")
                .unwrap()
                .amount_for(&Answers::default()),
            None
        );
    }

    #[test]
    fn only_subsidies_of_civil_affairs_pay_and_each_has_an_amount() {
        let p = haishu();
        let paying: Vec<_> = p
            .items
            .iter()
            .filter(|i| i.pays)
            .map(|i| i.key.as_str())
            .collect();
        assert_eq!(paying, ["basic_funeral_services", "eco_burial_reward"]);
        for i in p.items.iter().filter(|i| i.pays) {
            assert_eq!(i.department, Department::CivilAffairs);
            assert!(i.has_amount());
        }
    }

    proptest! {
        #[test]
        fn a_subsidy_is_never_above_its_cap(claimed in any::<i64>()) {
            let p = haishu();
            let a = p.item("basic_funeral_services").unwrap().amount_for(&Answers::default()).unwrap();
            let g = a.grant(Fen(claimed));
            prop_assert!(g <= a.total());
            prop_assert!(g >= Fen::ZERO);
            if (0..=a.total().0).contains(&claimed) {
                prop_assert_eq!(g, Fen(claimed));
            }
        }
    }

    #[test]
    fn uploads_are_listed_per_item_and_once_across_the_items_that_apply() {
        let p = haishu();
        let hf = p.item("housing_fund_withdrawal").unwrap();
        let keys: Vec<_> = hf.uploads().map(|u| u.0).collect();
        assert_eq!(keys, ["kinship_proof", "inheritance_proof"]);
        assert_eq!(p.item("hukou_cancellation").unwrap().uploads().count(), 0);
        let a = Answers {
            pension: true,
            veteran: true,
            housing_fund: true,
            ..Answers::default()
        };
        let ds = decide(&p, &a);
        let keys: Vec<_> = needed_uploads(&ds).into_iter().map(|u| u.0).collect();
        assert_eq!(
            keys,
            [
                "funeral_invoice",
                "kinship_proof",
                "veteran_certificate",
                "inheritance_proof"
            ]
        );
    }

    #[test]
    fn a_policy_file_with_an_editing_mistake_is_refused() {
        let good = SHIPPED[0];
        let v: serde_json::Value = serde_json::from_str(good).unwrap();
        let broken = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = v.clone();
            f(&mut v);
            Policies::from_files(&[&v.to_string()])
        };
        assert!(broken(&|_| {}).is_ok());
        assert!(Policies::from_files(&[good, good])
            .unwrap_err()
            .contains("twice"));
        assert!(broken(&|v| {
            let first = v["items"][0].clone();
            v["items"].as_array_mut().unwrap().push(first);
        })
        .unwrap_err()
        .contains("given twice"));
        assert!(broken(&|v| v["items"][2]["amount"]["parts"][0]["fen"] = 0.into()).is_err());
        assert!(broken(&|v| v["items"][3]["by_burial"][0]["fen"] = (-5).into()).is_err());
        assert!(
            broken(&|v| v["items"][1]["limit"] = serde_json::json!({"working_days": 0})).is_err()
        );
        assert!(broken(&|v| v["items"][0]["limit"] = serde_json::json!({"hours": 0})).is_err());
        assert!(broken(&|v| v["items"][0]["when"] = serde_json::json!({"any": []})).is_err());
        assert!(broken(&|v| v["items"][3]["when"] = serde_json::json!({"burial_in": []})).is_err());
        assert!(broken(&|v| v["items"][0]["pays"] = true.into()).is_err());
        assert!(broken(&|v| v["demo"] = false.into())
            .unwrap_err()
            .contains("demo"));
        assert!(broken(&|v| v["items"][0]["limt"] = serde_json::json!({"hours": 4})).is_err());
        assert!(broken(&|v| v["items"][0]["needs"][0]["nme_zh"] = "x".into()).is_err());
        assert!(
            broken(&|v| v["items"][3]["by_burial"][1]["forms"] = serde_json::json!(["sea"]))
                .unwrap_err()
                .contains("two amounts")
        );
        assert!(
            broken(&|v| v["items"][4]["needs"][2]["name_zh"] = "户口簿".into())
                .unwrap_err()
                .contains("named differently")
        );
        assert!(broken(&|v| v["items"][0]["department"] = "tax".into()).is_err());
        assert!(broken(&|v| v["effective_from"] = "2026-02-30".into()).is_err());
    }

    #[test]
    fn keys_of_departments_forms_statuses_and_events_read_back() {
        for d in Department::ALL {
            assert_eq!(Department::parse(d.as_str()), Some(d));
            assert_eq!(
                serde_json::to_string(&d).unwrap(),
                format!("\"{}\"", d.as_str())
            );
        }
        for f in BurialForm::ALL {
            assert_eq!(BurialForm::parse(f.as_str()), Some(f));
            assert_eq!(
                serde_json::to_string(&f).unwrap(),
                format!("\"{}\"", f.as_str())
            );
        }
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for e in TaskEvent::ALL {
            assert_eq!(TaskEvent::parse(e.as_str()), Some(e));
            assert_eq!(
                serde_json::to_string(&e).unwrap(),
                format!("\"{}\"", e.as_str())
            );
        }
        assert_eq!(Department::parse("tax"), None);
        let eco: Vec<_> = BurialForm::ALL.into_iter().filter(|f| f.is_eco()).collect();
        assert_eq!(
            eco,
            [
                BurialForm::Sea,
                BurialForm::Tree,
                BurialForm::Lawn,
                BurialForm::Flower,
                BurialForm::Wall
            ]
        );
        let a: Answers = serde_json::from_str(r#"{"pension":true,"burial":"sea"}"#).unwrap();
        assert!(a.pension && !a.veteran && a.burial == BurialForm::Sea);
        assert_eq!(TimeLimit::WorkingDays(1).en(), "1 working day");
        assert_eq!(TimeLimit::WorkingDays(5).zh(), "5个工作日");
        assert_eq!(TimeLimit::Hours(24).en(), "24 hours");
    }

    #[test]
    fn working_day_limits_end_at_midnight_in_shanghai_and_skip_weekends() {
        let cal = WorkCalendar::china();
        // Received Thursday 2026-11-19 at 10:00 Shanghai; 1 working day: end of Friday 11-20.
        let from = t("2026-11-19T02:00:00Z");
        assert_eq!(
            due_at(TimeLimit::WorkingDays(1), from, &cal),
            t("2026-11-20T16:00:00Z")
        );
        // 2 working days skip the weekend: end of Monday 11-23.
        assert_eq!(
            due_at(TimeLimit::WorkingDays(2), from, &cal),
            t("2026-11-23T16:00:00Z")
        );
        // Received on Saturday: Monday is the first working day after.
        assert_eq!(
            due_at(TimeLimit::WorkingDays(1), t("2026-11-21T04:00:00Z"), &cal),
            t("2026-11-23T16:00:00Z")
        );
        // 23:30 Shanghai on Friday is still Friday there (15:30 UTC).
        assert_eq!(
            due_at(TimeLimit::WorkingDays(1), t("2026-11-20T15:30:00Z"), &cal),
            t("2026-11-23T16:00:00Z")
        );
        // 00:30 Shanghai on Saturday is already Saturday (16:30 UTC Friday).
        assert_eq!(
            due_at(TimeLimit::WorkingDays(1), t("2026-11-20T16:30:00Z"), &cal),
            t("2026-11-23T16:00:00Z")
        );
        assert_eq!(
            due_at(TimeLimit::WorkingDays(0), from, &cal),
            t("2026-11-19T16:00:00Z")
        );
    }

    #[test]
    fn working_day_limits_skip_mid_autumn_and_national_day_and_count_the_adjusted_saturday() {
        let cal = WorkCalendar::china();
        // 2026: 中秋 09-25..27 (Fri–Sun), 国庆 10-01..07, 调休上班 Saturday 10-10.
        let friday = t("2026-09-25T01:00:00Z"); // 09:00 Shanghai, a holiday
                                                // Working days after: 09-28, 09-29, 09-30, (holiday) 10-08, 10-09, 10-10 (Sat, adjusted).
        let cases = [
            (1, "2026-09-28T16:00:00Z"),
            (3, "2026-09-30T16:00:00Z"),
            (4, "2026-10-08T16:00:00Z"),
            (5, "2026-10-09T16:00:00Z"),
            (6, "2026-10-10T16:00:00Z"),
            (7, "2026-10-12T16:00:00Z"),
        ];
        for (n, want) in cases {
            assert_eq!(
                due_at(TimeLimit::WorkingDays(n), friday, &cal),
                t(want),
                "{n} working days"
            );
        }
        // The adjusted working Sunday before (09-20) counts too: from Saturday 09-19, 1 day.
        assert_eq!(
            due_at(TimeLimit::WorkingDays(1), t("2026-09-19T02:00:00Z"), &cal),
            t("2026-09-20T16:00:00Z")
        );
    }

    #[test]
    fn hour_limits_run_round_the_clock_across_midnight_and_holidays() {
        let cal = WorkCalendar::china();
        // 22:00 Shanghai on National Day + 24 h = 22:00 the next day.
        assert_eq!(
            due_at(TimeLimit::Hours(24), t("2026-10-01T14:00:00Z"), &cal),
            t("2026-10-02T14:00:00Z")
        );
        assert_eq!(
            due_at(TimeLimit::Hours(4), t("2026-10-01T14:00:00Z"), &cal),
            t("2026-10-01T18:00:00Z")
        );
        assert_eq!(
            due_at(TimeLimit::Hours(u32::MAX), DateTime::<Utc>::MAX_UTC, &cal),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn the_limit_pauses_while_the_task_waits_on_the_family() {
        let cal = WorkCalendar::china();
        let limit = TimeLimit::WorkingDays(5);
        // Received Monday 2026-11-16 → due end of Monday 11-23.
        let due = due_at(limit, t("2026-11-16T02:00:00Z"), &cal);
        assert_eq!(due, t("2026-11-23T16:00:00Z"));
        // Returned and resubmitted the same day: nothing moves.
        assert_eq!(
            resume_due(
                limit,
                due,
                t("2026-11-17T02:00:00Z"),
                t("2026-11-17T08:00:00Z"),
                &cal
            ),
            due
        );
        // Returned Tuesday, resubmitted Thursday: Tue and Wed waited → due two working days later.
        assert_eq!(
            resume_due(
                limit,
                due,
                t("2026-11-17T02:00:00Z"),
                t("2026-11-19T02:00:00Z"),
                &cal
            ),
            t("2026-11-25T16:00:00Z")
        );
        // Returned Friday, resubmitted Monday: only Friday was a working day.
        assert_eq!(
            resume_due(
                limit,
                due,
                t("2026-11-20T09:00:00Z"),
                t("2026-11-23T01:00:00Z"),
                &cal
            ),
            t("2026-11-24T16:00:00Z")
        );
        // A shift across National Day skips the holiday: due 09-30, one day waited → 10-08.
        let due = t("2026-09-30T16:00:00Z");
        assert_eq!(
            resume_due(
                limit,
                due,
                t("2026-09-29T02:00:00Z"),
                t("2026-09-30T02:00:00Z"),
                &cal
            ),
            t("2026-10-08T16:00:00Z")
        );
        // Hours: the time spent waiting is added.
        let h = TimeLimit::Hours(24);
        let due = t("2026-10-02T14:00:00Z");
        assert_eq!(
            resume_due(
                h,
                due,
                t("2026-10-01T20:00:00Z"),
                t("2026-10-02T01:30:00Z"),
                &cal
            ),
            t("2026-10-02T19:30:00Z")
        );
        // Resumed "before" it paused (a clock step): never earlier than the old due.
        assert_eq!(
            resume_due(
                h,
                due,
                t("2026-10-02T01:30:00Z"),
                t("2026-10-01T20:00:00Z"),
                &cal
            ),
            due
        );
        assert_eq!(
            resume_due(
                limit,
                due,
                t("2026-10-09T01:30:00Z"),
                t("2026-10-08T20:00:00Z"),
                &cal
            ),
            due
        );
    }

    /// The allowed transitions written out again, independently of `transition`:
    /// (from, event, the item pays, to).
    const ALLOWED: [(TaskStatus, TaskEvent, bool, TaskStatus); 20] = {
        use TaskEvent as E;
        use TaskStatus as S;
        [
            (S::Submitted, E::Accept, true, S::Accepted),
            (S::Submitted, E::Accept, false, S::Accepted),
            (S::Accepted, E::Return, true, S::Returned),
            (S::Accepted, E::Return, false, S::Returned),
            (S::Returned, E::Resubmit, true, S::Resubmitted),
            (S::Returned, E::Resubmit, false, S::Resubmitted),
            (S::Resubmitted, E::Accept, true, S::Accepted),
            (S::Resubmitted, E::Accept, false, S::Accepted),
            (S::Resubmitted, E::Return, true, S::Returned),
            (S::Resubmitted, E::Return, false, S::Returned),
            (S::Accepted, E::Approve, true, S::Approved),
            (S::Resubmitted, E::Approve, true, S::Approved),
            (S::Accepted, E::Complete, false, S::Done),
            (S::Resubmitted, E::Complete, false, S::Done),
            (S::Accepted, E::Reject, true, S::Rejected),
            (S::Accepted, E::Reject, false, S::Rejected),
            (S::Resubmitted, E::Reject, true, S::Rejected),
            (S::Resubmitted, E::Reject, false, S::Rejected),
            (S::Approved, E::Pay, true, S::Done),
            // Approved is reached only when the item pays; Pay from it is not conditional.
            (S::Approved, E::Pay, false, S::Done),
        ]
    };

    fn allowed(from: TaskStatus, e: TaskEvent, pays: bool) -> Option<TaskStatus> {
        ALLOWED
            .iter()
            .find(|(f, ev, p, _)| *f == from && *ev == e && *p == pays)
            .map(|t| t.3)
    }

    #[test]
    fn the_transition_table_is_exactly_the_allowed_list() {
        for from in TaskStatus::ALL {
            for e in TaskEvent::ALL {
                for pays in [true, false] {
                    assert_eq!(
                        transition(from, e, pays),
                        allowed(from, e, pays),
                        "{from:?} {e:?} pays={pays}"
                    );
                }
            }
            assert_eq!(from.is_final(), allowed_events(from, true).is_empty());
            assert_eq!(from.is_final(), allowed_events(from, false).is_empty());
        }
        assert!(TaskStatus::Returned.waits_on_family());
        assert!(!TaskStatus::Resubmitted.waits_on_family());
    }

    proptest! {
        #[test]
        fn random_event_sequences_only_take_allowed_steps_and_reach_done_the_right_way(
            pays in any::<bool>(),
            events in prop::collection::vec(prop::sample::select(TaskEvent::ALL.to_vec()), 0..40),
        ) {
            let mut state = TaskStatus::Submitted;
            let mut path: Vec<(TaskStatus, TaskEvent)> = vec![];
            for e in events {
                let next = transition(state, e, pays);
                prop_assert_eq!(next, allowed(state, e, pays));
                if state.is_final() {
                    prop_assert_eq!(next, None);
                }
                if let Some(n) = next {
                    path.push((state, e));
                    state = n;
                }
            }
            if state == TaskStatus::Done {
                let last = path.last().copied();
                if pays {
                    prop_assert_eq!(last.map(|l| l.1), Some(TaskEvent::Pay));
                    prop_assert_eq!(path[path.len() - 2].1, TaskEvent::Approve);
                    prop_assert!(!path.iter().any(|(_, e)| *e == TaskEvent::Complete));
                } else {
                    prop_assert_eq!(last.map(|l| l.1), Some(TaskEvent::Complete));
                    prop_assert!(!path.iter().any(|(_, e)| matches!(e, TaskEvent::Approve | TaskEvent::Pay)));
                }
            }
        }

        #[test]
        fn a_due_instant_is_never_before_its_start_and_resuming_never_brings_it_forward(
            start in 1_767_225_600i64..1_798_761_600, // 2026
            n in 1u32..=20,
            hours in any::<bool>(),
            wait_a in 0i64..2_000_000,
            wait_b in 0i64..2_000_000,
        ) {
            let cal = WorkCalendar::china();
            let from = DateTime::<Utc>::from_timestamp(start, 0).unwrap();
            let limit = if hours { TimeLimit::Hours(n) } else { TimeLimit::WorkingDays(n) };
            let due = due_at(limit, from, &cal);
            prop_assert!(due > from);
            let paused = from + TimeDelta::seconds(wait_a);
            let resumed = paused + TimeDelta::seconds(wait_b);
            let moved = resume_due(limit, due, paused, resumed, &cal);
            prop_assert!(moved >= due);
            if !hours {
                // A working-day due always ends a Shanghai working day at 24:00.
                prop_assert_eq!(moved.time(), chrono::NaiveTime::from_hms_opt(16, 0, 0).unwrap());
                prop_assert!(cal.is_working_day(shanghai_date(moved - TimeDelta::seconds(1))));
            }
        }
    }
}
