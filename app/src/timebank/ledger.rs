//! The ledger's rules, free of I/O: a posting is a set of legs that sums to zero (built only
//! through [`Posting::transfer`] and [`Posting::split`], so an unbalanced one cannot exist), a
//! reversal is the same legs negated, and which accounts may go below zero. The desk writes a
//! posting's legs as append-only entries in one transaction; [`Book`] is the same ledger in
//! memory, for the property tests.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 账户类型 — what an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A resident's banked minutes (个人时间账户).
    Resident,
    /// An organisation's mutual-aid fund (互助基金), in minutes.
    Fund,
    /// Where an organisation's verified minutes come from (its issuance); the only minute
    /// account that runs below zero: its balance is minus what it ever issued.
    Issuer,
    /// Minutes set aside for a need until it is done or cancelled (托管).
    Hold,
    /// A resident's 公益积分.
    Points,
    /// Where points come from and go back to when redeemed.
    PointsIssuer,
}

impl AccountKind {
    pub const ALL: [AccountKind; 6] = [
        AccountKind::Resident,
        AccountKind::Fund,
        AccountKind::Issuer,
        AccountKind::Hold,
        AccountKind::Points,
        AccountKind::PointsIssuer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Resident => "resident",
            AccountKind::Fund => "fund",
            AccountKind::Issuer => "issuer",
            AccountKind::Hold => "hold",
            AccountKind::Points => "points",
            AccountKind::PointsIssuer => "points_issuer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether its balance may go below zero (the database holds the same rule as a CHECK).
    pub fn may_go_negative(self) -> bool {
        matches!(self, AccountKind::Issuer | AccountKind::PointsIssuer)
    }
}

/// An account's key: its kind and whose it is (a resident, an organisation, a need).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountKey {
    pub kind: AccountKind,
    pub owner: String,
}

impl AccountKey {
    pub fn new(kind: AccountKind, owner: &str) -> Self {
        Self {
            kind,
            owner: owner.to_owned(),
        }
    }
}

/// One leg of a posting: an amount into (positive) or out of (negative) an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub account: AccountKey,
    pub amount: i64,
}

/// A posting that sums to zero, with no zero legs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    legs: Vec<Leg>,
}

/// Why a posting could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAPosting {
    /// Nothing to move.
    Empty,
    /// An amount below zero where a movement was asked.
    Negative,
    /// From an account into itself.
    SameAccount,
}

impl Posting {
    /// 转账: `amount` from one account into another.
    pub fn transfer(from: AccountKey, to: AccountKey, amount: i64) -> Result<Self, NotAPosting> {
        if amount == 0 {
            return Err(NotAPosting::Empty);
        }
        if amount < 0 {
            return Err(NotAPosting::Negative);
        }
        if from == to {
            return Err(NotAPosting::SameAccount);
        }
        Ok(Self {
            legs: vec![
                Leg {
                    account: from,
                    amount: -amount,
                },
                Leg {
                    account: to,
                    amount,
                },
            ],
        })
    }

    /// One account paying several: `parts` (amounts of zero are left out) from `from`.
    pub fn split(from: AccountKey, parts: &[(AccountKey, i64)]) -> Result<Self, NotAPosting> {
        let parts: Vec<&(AccountKey, i64)> = parts.iter().filter(|(_, a)| *a != 0).collect();
        if parts.is_empty() {
            return Err(NotAPosting::Empty);
        }
        if parts.iter().any(|(_, a)| *a < 0) {
            return Err(NotAPosting::Negative);
        }
        if parts.iter().any(|(k, _)| *k == from) {
            return Err(NotAPosting::SameAccount);
        }
        let total: i64 = parts.iter().map(|(_, a)| a).sum();
        let mut legs = vec![Leg {
            account: from,
            amount: -total,
        }];
        legs.extend(parts.into_iter().map(|(k, a)| Leg {
            account: k.clone(),
            amount: *a,
        }));
        Ok(Self { legs })
    }

    /// 冲正: the same legs negated (a wrong entry is never edited or deleted).
    pub fn reversal(&self) -> Self {
        Self {
            legs: self
                .legs
                .iter()
                .map(|l| Leg {
                    account: l.account.clone(),
                    amount: -l.amount,
                })
                .collect(),
        }
    }

    /// A stored posting's legs, checked again (a reversal reads them back from the database).
    pub fn from_legs(legs: Vec<Leg>) -> Option<Self> {
        (!legs.is_empty()
            && legs.iter().all(|l| l.amount != 0)
            && legs.iter().map(|l| l.amount).sum::<i64>() == 0)
            .then_some(Self { legs })
    }

    pub fn legs(&self) -> &[Leg] {
        &self.legs
    }

    /// The legs in the order they are written: by account, so two postings touching the same
    /// accounts lock them in the same order (no deadlock between them on PostgreSQL).
    pub fn legs_in_lock_order(&self) -> Vec<&Leg> {
        let mut v: Vec<&Leg> = self.legs.iter().collect();
        v.sort_by(|a, b| a.account.cmp(&b.account));
        v
    }
}

/// Why the ledger refused a posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The account would go below zero.
    Insufficient(AccountKey),
}

/// The ledger in memory: balances, entries, applied keys. The desk keeps the same in SQL.
#[derive(Debug, Default, Clone)]
pub struct Book {
    pub balances: BTreeMap<AccountKey, i64>,
    /// Every posting applied, in order (each sums to zero by construction).
    pub postings: Vec<Posting>,
    keys: BTreeMap<String, usize>,
}

impl Book {
    /// Applies `posting` once per `key`: a repeated key changes nothing and answers the first
    /// result; a posting that would take an account below its floor changes nothing.
    pub fn apply(&mut self, key: &str, posting: Posting) -> Result<usize, Refused> {
        if let Some(&n) = self.keys.get(key) {
            return Ok(n);
        }
        for leg in posting.legs() {
            let now = self.balances.get(&leg.account).copied().unwrap_or(0);
            if !leg.account.kind.may_go_negative() && now + leg.amount < 0 {
                return Err(Refused::Insufficient(leg.account.clone()));
            }
        }
        for leg in posting.legs() {
            *self.balances.entry(leg.account.clone()).or_insert(0) += leg.amount;
        }
        self.postings.push(posting);
        let n = self.postings.len() - 1;
        self.keys.insert(key.to_owned(), n);
        Ok(n)
    }

    pub fn balance(&self, k: &AccountKey) -> i64 {
        self.balances.get(k).copied().unwrap_or(0)
    }

    /// The sum of every entry of an account.
    pub fn sum_of_entries(&self, k: &AccountKey) -> i64 {
        self.postings
            .iter()
            .flat_map(|p| p.legs())
            .filter(|l| &l.account == k)
            .map(|l| l.amount)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timebank::policy::bank;
    use proptest::prelude::*;

    fn r(n: u8) -> AccountKey {
        AccountKey::new(AccountKind::Resident, &format!("r{n}"))
    }
    fn issuer() -> AccountKey {
        AccountKey::new(AccountKind::Issuer, "org")
    }
    fn fund() -> AccountKey {
        AccountKey::new(AccountKind::Fund, "org")
    }

    #[test]
    fn a_posting_cannot_be_unbalanced_or_empty() {
        assert_eq!(Posting::transfer(r(1), r(2), 0), Err(NotAPosting::Empty));
        assert_eq!(
            Posting::transfer(r(1), r(2), -5),
            Err(NotAPosting::Negative)
        );
        assert_eq!(
            Posting::transfer(r(1), r(1), 5),
            Err(NotAPosting::SameAccount)
        );
        assert!(Posting::from_legs(vec![Leg {
            account: r(1),
            amount: 5
        }])
        .is_none());
        let p = Posting::split(issuer(), &[(r(1), 30), (fund(), 0)]).unwrap();
        assert_eq!(p.legs().len(), 2);
    }

    #[test]
    fn a_reversal_restores_the_balances() {
        let mut b = Book::default();
        let p = Posting::split(issuer(), &[(r(1), 90), (fund(), 30)]).unwrap();
        b.apply("verify", p.clone()).unwrap();
        b.apply("reverse", p.reversal()).unwrap();
        assert_eq!(b.balance(&r(1)), 0);
        assert_eq!(b.balance(&fund()), 0);
        assert_eq!(b.balance(&issuer()), 0);
    }

    /// A command a property test throws at the ledger.
    #[derive(Debug, Clone)]
    enum Command {
        /// Verified minutes for a volunteer, banked under the cap.
        Verify(u8, i64),
        Give(u8, u8, i64),
        Donate(u8, i64),
        Grant(u8, i64),
        /// Reverses the n-th posting (modulo their number).
        Reverse(usize),
    }

    fn command() -> impl Strategy<Value = Command> {
        prop_oneof![
            (0u8..4, 1i64..600).prop_map(|(v, m)| Command::Verify(v, m)),
            (0u8..4, 0u8..4, 1i64..600).prop_map(|(a, b, m)| Command::Give(a, b, m)),
            (0u8..4, 1i64..600).prop_map(|(a, m)| Command::Donate(a, m)),
            (0u8..4, 1i64..600).prop_map(|(a, m)| Command::Grant(a, m)),
            (0usize..50).prop_map(Command::Reverse),
        ]
    }

    const CAP: i64 = 1_000;

    fn posting_of(b: &Book, c: &Command) -> Option<Posting> {
        match *c {
            Command::Verify(v, m) => {
                let banked = bank(m, b.balance(&r(v)), CAP);
                Posting::split(
                    issuer(),
                    &[(r(v), banked.to_volunteer), (fund(), banked.to_fund)],
                )
                .ok()
            }
            Command::Give(a, c, m) => Posting::transfer(r(a), r(c), m).ok(),
            Command::Donate(a, m) => Posting::transfer(r(a), fund(), m).ok(),
            Command::Grant(a, m) => Posting::transfer(fund(), r(a), m).ok(),
            Command::Reverse(n) => {
                (!b.postings.is_empty()).then(|| b.postings[n % b.postings.len()].reversal())
            }
        }
    }

    proptest! {
        #[test]
        fn any_sequence_of_commands_keeps_the_ledger_right(
            commands in prop::collection::vec((command(), 0u8..3), 1..60)
        ) {
            let mut b = Book::default();
            for (i, (c, replay)) in commands.iter().enumerate() {
                let Some(p) = posting_of(&b, c) else { continue };
                // Sometimes the same key again: nothing changes.
                let key = if *replay == 0 && i > 0 { format!("k{}", i - 1) } else { format!("k{i}") };
                let before = b.balances.clone();
                let n = b.postings.len();
                let applied = b.apply(&key, p);
                if applied.is_err() || b.postings.len() == n {
                    prop_assert_eq!(&before, &b.balances);
                }
                // The cap holds after banking (gifts may fill an account above it, as in the rules).
                if let Command::Verify(v, _) = c {
                    if applied.is_ok() && before.get(&r(*v)).copied().unwrap_or(0) <= CAP {
                        prop_assert!(b.balance(&r(*v)) <= CAP);
                    }
                }
            }
            for p in &b.postings {
                prop_assert_eq!(p.legs().iter().map(|l| l.amount).sum::<i64>(), 0);
            }
            for (k, bal) in &b.balances {
                prop_assert_eq!(*bal, b.sum_of_entries(k));
                if !k.kind.may_go_negative() {
                    prop_assert!(*bal >= 0, "{:?} is {}", k, bal);
                }
            }
            prop_assert_eq!(b.balances.values().sum::<i64>(), 0);
        }
    }
}
