//! What travels between the after-death pages and the server: the application, the bundle and
//! its task list as the family sees it, the department's queue, payments; this service's
//! refusals and its catalogue entry.

use super::policy::{Answers, Department, TaskStatus};
use crate::{i18n::Texts, rules::money::Fen};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 与逝者关系 — who the applicant is to the deceased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// 配偶
    Spouse,
    /// 子女
    Child,
    /// 父母
    Parent,
    /// 其他亲属
    OtherRelative,
    /// 受委托人
    Entrusted,
}

impl Relationship {
    pub const ALL: [Relationship; 5] = [
        Relationship::Spouse,
        Relationship::Child,
        Relationship::Parent,
        Relationship::OtherRelative,
        Relationship::Entrusted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Spouse => "spouse",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::OtherRelative => "other_relative",
            Relationship::Entrusted => "entrusted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn text(self, t: &'static Texts) -> &'static str {
        let x = t.after_death();
        match self {
            Relationship::Spouse => x.rel_spouse,
            Relationship::Child => x.rel_child,
            Relationship::Parent => x.rel_parent,
            Relationship::OtherRelative => x.rel_other,
            Relationship::Entrusted => x.rel_entrusted,
        }
    }
}

/// Step one of the application, checked: who died, and who applies. Kept between steps in a
/// short-lived HttpOnly cookie (the ID number never goes into an address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeceasedDraft {
    pub name: String,
    pub id_number: String,
    pub id_number_masked: String,
    pub died_on: NaiveDate,
    pub certificate_no: String,
    pub relationship: Relationship,
    pub district: String,
}

/// The whole draft: step one, and the questionnaire once answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationDraft {
    pub deceased: DeceasedDraft,
    pub answers: Option<Answers>,
}

/// What applying did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplyOutcome {
    /// The bundle was made (or, for a repeated submission, had been made).
    Created { case_id: String },
    /// Another relative holds the open bundle of this deceased person: their masked name. The
    /// applicant may ask to be added.
    Exists { holder_masked: String },
}

/// An item's document, as listed to those who may read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentView {
    pub id: String,
    pub need_key: String,
    pub kind: String,
    pub size: i64,
    pub uploaded_at: i64,
}

/// What an item needs, and whether it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedView {
    /// Set for an upload (自备); `None` for data the department already has (数据共享).
    pub upload_key: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    pub uploaded: u32,
}

impl NeedView {
    /// A policy's need as listed, with how many documents it has.
    pub fn of(need: &super::policy::Need, uploaded: u32) -> Self {
        use super::policy::Need;
        match need {
            Need::Upload {
                key,
                name_zh,
                name_en,
            } => NeedView {
                upload_key: Some(key.clone()),
                name_zh: name_zh.clone(),
                name_en: name_en.clone(),
                uploaded,
            },
            Need::Shared { name_zh, name_en } => NeedView {
                upload_key: None,
                name_zh: name_zh.clone(),
                name_en: name_en.clone(),
                uploaded: 0,
            },
        }
    }
}

/// One item of a bundle: a task in a department's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: String,
    pub item_key: String,
    pub department: Department,
    pub name_zh: String,
    pub name_en: String,
    pub status: TaskStatus,
    pub pays: bool,
    /// Unix seconds; while the task waits on the family the clock is paused and this is the
    /// due instant as it stood.
    pub due_at: i64,
    pub paused: bool,
    pub cap: Option<Fen>,
    pub approved: Option<Fen>,
    pub reason: Option<String>,
    pub paid_on: Option<NaiveDate>,
    /// Payment awaiting a second approval (staff view) or going out.
    pub payment_status: Option<String>,
    pub needs: Vec<NeedView>,
    pub documents: Vec<DocumentView>,
}

/// A relative asking to be added to a bundle (shown to the holder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub resident_id: String,
    pub name_masked: String,
    pub relationship: Relationship,
}

/// A bundle as one of its applicants sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleView {
    pub id: String,
    pub reference: String,
    pub deceased_name: String,
    pub deceased_id_masked: String,
    pub died_on: NaiveDate,
    pub district: String,
    pub district_zh: String,
    pub district_en: String,
    pub holder: bool,
    pub relationship: Relationship,
    pub account_masked: Option<String>,
    pub created_at: i64,
    pub tasks: Vec<TaskView>,
    pub join_requests: Vec<JoinRequest>,
    /// What the platform settled by itself once 民政 accepted the death (`None` before).
    pub follow_ups: Option<crate::life::model::FollowUps>,
    /// The deceased's account here, if they had one and the reader may see what stays
    /// readable (the time-bank record).
    pub deceased_account: Option<String>,
}

/// One line of a department's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub task_id: String,
    pub reference: String,
    pub deceased_name: String,
    pub name_zh: String,
    pub name_en: String,
    pub status: TaskStatus,
    pub due_at: i64,
    pub paused: bool,
    pub overdue: bool,
}

/// A task as the department's staff see it (reading it is audited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffTaskView {
    pub reference: String,
    pub deceased_name: String,
    pub deceased_id_masked: String,
    pub died_on: NaiveDate,
    pub certificate_no: String,
    pub applicant_masked: String,
    pub relationship: Relationship,
    pub account_masked: Option<String>,
    pub task: TaskView,
    pub history: Vec<TaskEvent>,
    /// Payments above this need a second staff member.
    pub second_approval_above: Fen,
    /// Accepting this task accepts the death record: every service the deceased used follows.
    pub confirms_death: bool,
}

/// One entry of a task's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEvent {
    pub at: i64,
    pub from: TaskStatus,
    pub to: TaskStatus,
    pub reason: Option<String>,
}

/// What a department's staff do to a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaffAction {
    /// 受理
    Accept,
    /// 退回补正, saying what is missing.
    Return { reason: String },
    /// 批准 a subsidy at an amount no higher than the policy's.
    Approve { fen: Fen },
    /// 不予批准, with a reason.
    Reject { reason: String },
    /// 办结 an item that pays nothing.
    Complete,
}

/// A subsidy payment as the finance office sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub task_id: String,
    pub reference: String,
    pub deceased_name: String,
    pub item_zh: String,
    pub item_en: String,
    pub fen: Fen,
    pub status: String,
    pub account_name: String,
    pub account_masked: String,
    /// The whole card number: only the batch file carries it, never the page.
    #[serde(skip)]
    pub account_full: String,
    pub first_by: String,
    pub second_by: Option<String>,
    pub paid_on: Option<NaiveDate>,
}

/// Refusals of this service (`{"after_death": …}` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The applicant must bind their real name first.
    RealNameRequired,
    /// The date of death is in the future or before the deceased's birth.
    DiedOnInvalid,
    /// A death certificate number is letters and digits, 6–30 of them.
    CertificateNoInvalid,
    /// The applicant gave their own ID number as the deceased's.
    OwnIdNumber,
    /// No policy for this district.
    DistrictUnknown,
    /// The step before this one is missing (the draft expired).
    DraftExpired,
    /// A subsidy applies, so a payment account is needed.
    AccountRequired,
    /// The bank card number's check digit or length is wrong.
    BankCardInvalid,
    /// No open bundle matches this deceased person and certificate.
    NoSuchBundle,
    /// Already an applicant, or already asked.
    AlreadyApplicant,
    /// This change is not allowed in the task's present state.
    IllegalTransition,
    /// The amount is above what the policy allows, or not positive.
    AmountAboveCap,
    /// A reason is needed.
    ReasonRequired,
    /// The same person cannot give both approvals.
    SameApprover,
    /// The payment is not waiting for this step.
    PaymentNotReady,
    /// Upload: not a photo (JPEG, PNG) or PDF, judged by its content.
    DocumentType,
    /// Upload: larger than the limit.
    DocumentTooLarge,
    /// Upload: this item already has the most documents it may have.
    TooManyDocuments,
    /// Upload: the file is empty or damaged.
    DocumentDamaged,
    /// Upload: this item does not ask for that document, or it is not waiting for documents.
    DocumentNotWanted,
}

impl crate::error::Refusal for Refusal {
    const SERVICE: &'static str = "after_death";

    fn message(&self, t: &'static Texts) -> String {
        let x = t.after_death();
        match self {
            Self::RealNameRequired => x.err_real_name,
            Self::DiedOnInvalid => x.err_died_on,
            Self::CertificateNoInvalid => x.err_certificate_no,
            Self::OwnIdNumber => x.err_own_id,
            Self::DistrictUnknown => x.err_district,
            Self::DraftExpired => x.err_draft_expired,
            Self::AccountRequired => x.err_account_required,
            Self::BankCardInvalid => x.err_bank_card,
            Self::NoSuchBundle => x.err_no_such_bundle,
            Self::AlreadyApplicant => x.err_already_applicant,
            Self::IllegalTransition => x.err_illegal_transition,
            Self::AmountAboveCap => x.err_amount_above_cap,
            Self::ReasonRequired => x.err_reason_required,
            Self::SameApprover => x.err_same_approver,
            Self::PaymentNotReady => x.err_payment_not_ready,
            Self::DocumentType => x.err_document_type,
            Self::DocumentTooLarge => x.err_document_too_large,
            Self::TooManyDocuments => x.err_too_many_documents,
            Self::DocumentDamaged => x.err_document_damaged,
            Self::DocumentNotWanted => x.err_document_not_wanted,
        }
        .into()
    }
}

pub use crate::rules::name::mask_name;

/// A task's status in words, from the family's side.
pub fn status_for_family(status: TaskStatus, t: &'static Texts) -> &'static str {
    let x = t.after_death();
    match status {
        TaskStatus::Submitted => x.st_submitted,
        TaskStatus::Accepted => x.st_accepted,
        TaskStatus::Returned => x.st_returned_family,
        TaskStatus::Resubmitted => x.st_resubmitted,
        TaskStatus::Approved => x.st_approved,
        TaskStatus::Rejected => x.st_rejected,
        TaskStatus::Done => x.st_done,
    }
}

/// A task's status in words, from the department's side.
pub fn status_for_staff(status: TaskStatus, t: &'static Texts) -> &'static str {
    let x = t.after_death();
    match status {
        TaskStatus::Submitted => x.st_staff_submitted,
        TaskStatus::Accepted => x.st_accepted,
        TaskStatus::Returned => x.st_returned_staff,
        TaskStatus::Resubmitted => x.st_staff_resubmitted,
        TaskStatus::Approved => x.st_staff_approved,
        TaskStatus::Rejected => x.st_rejected,
        TaskStatus::Done => x.st_done,
    }
}

/// A department's name in the reader's language.
pub fn department_name(d: Department, locale: crate::i18n::Locale) -> &'static str {
    match locale {
        crate::i18n::Locale::ZhCn => d.name_zh(),
        _ => d.name_en(),
    }
}

/// What the shared pages show of this service: its tile, its bundles in 我的办件, its messages
/// (which say what changed and where to look, never the deceased's name), and the desks.
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "after_death",
    tile: Some(crate::catalogue::Tile {
        href: "/after-death",
        name: |t| t.after_death().title,
        body: |t| t.after_death().tile_body,
    }),
    affair_title: |t| t.after_death().title,
    affair_status: |status, t| {
        let x = t.after_death();
        match status {
            "open" => Some(x.affair_open.to_owned()),
            "action" => Some(x.affair_action.to_owned()),
            "closed" => Some(x.affair_closed.to_owned()),
            _ => None,
        }
    },
    notice: |topic, params, locale| {
        let x = locale.texts().after_death();
        let at_task = params
            .get("task")
            .map(|t| format!("#task-{t}"))
            .unwrap_or_default();
        let link = params
            .get("case")
            .map(|c| format!("/after-death/bundle/{c}{at_task}"));
        // The item, in the reader's language, when the message is about one (older messages
        // named only the case, and keep their general wording).
        let item = match locale {
            crate::i18n::Locale::ZhCn => params.get("item_zh"),
            crate::i18n::Locale::En => params.get("item_en"),
        }
        .filter(|s| !s.is_empty());
        let (title, body) = match (topic, item) {
            ("after_death_submitted", _) => (x.msg_submitted_title.into(), x.msg_submitted_body),
            ("after_death_returned", Some(i)) => {
                (x.msg_returned_item_title(i), x.msg_returned_body)
            }
            ("after_death_returned", None) => (x.msg_returned_title.into(), x.msg_returned_body),
            ("after_death_decided", Some(i)) => (x.msg_decided_item_title(i), x.msg_decided_body),
            ("after_death_decided", None) => (x.msg_decided_title.into(), x.msg_decided_body),
            ("after_death_paid", Some(i)) => (x.msg_paid_item_title(i), x.msg_paid_body),
            ("after_death_paid", None) => (x.msg_paid_title.into(), x.msg_paid_body),
            ("after_death_join", _) => (x.msg_join_title.into(), x.msg_join_body),
            ("after_death_joined", _) => (x.msg_joined_title.into(), x.msg_joined_body),
            _ => return None,
        };
        Some(crate::catalogue::NoticeText {
            title,
            body: body.to_owned(),
            link,
        })
    },
    desks: &[
        crate::catalogue::StaffDesk {
            role: crate::identity::Role::FuneralReviewer,
            href: "/staff/after-death",
            name: |t| t.after_death().desk_queue,
            body: |t| t.after_death().desk_queue_body,
        },
        crate::catalogue::StaffDesk {
            role: crate::identity::Role::DepartmentOfficer,
            href: "/staff/after-death",
            name: |t| t.after_death().desk_queue,
            body: |t| t.after_death().desk_queue_body,
        },
        crate::catalogue::StaffDesk {
            role: crate::identity::Role::FinanceOfficer,
            href: "/staff/after-death/payments",
            name: |t| t.after_death().desk_payments,
            body: |t| t.after_death().desk_payments_body,
        },
    ],
    ..crate::catalogue::ServiceEntry::BASE
};

/// One item as the review step shows it before submitting: whether it applies and why, its
/// department, what it needs (uploads vs. shared data), its time limit and amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPreview {
    pub key: String,
    pub department: Department,
    pub name_zh: String,
    pub name_en: String,
    pub about_zh: String,
    pub about_en: String,
    pub applies: bool,
    pub reasons: Vec<super::policy::Reason>,
    pub amount: Option<super::policy::Amount>,
    pub needs: Vec<NeedView>,
    pub limit: super::policy::TimeLimit,
    pub pays: bool,
}

/// A district the applicant may choose (the policies shipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictChoice {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub demo: bool,
}

/// What the application's pages need: the districts, the draft so far (the ID number masked),
/// and, once the questionnaire is answered, the items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyForm {
    pub districts: Vec<DistrictChoice>,
    pub draft: Option<ApplicationDraft>,
    pub items: Vec<ItemPreview>,
    pub needs_account: bool,
    pub policy_version: String,
    pub policy_demo: bool,
    /// A new idempotency key for the submit form.
    pub key: String,
}
