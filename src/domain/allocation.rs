//! How a payment is spread over a patient's open invoices: automatically (this invoice,
//! then the oldest) or as the person taking it chose; what no invoice gets is credit.

use uuid::Uuid;

use super::FieldError;

/// How a payment is spread over a patient's open invoices: `owed` in the order they are
/// to be paid (oldest first), each never paid beyond what it owes; what is left over
/// becomes account credit.
pub fn allocate(amount: i64, owed: &[i64]) -> (Vec<i64>, i64) {
    let mut left = amount.max(0);
    let shares = owed
        .iter()
        .map(|&o| {
            let share = left.min(o.max(0));
            left -= share;
            share
        })
        .collect();
    (shares, left)
}

/// A payment spread as the person taking it chose: `chosen` gives amounts to some of the
/// open invoices `ids` (owing `owed`), the others get nothing; each at most what its
/// invoice owes and together at most the payment; what is left over becomes credit.
pub fn allocate_chosen(
    amount: i64,
    ids: &[Uuid],
    owed: &[i64],
    chosen: &[(Uuid, i64)],
) -> Result<(Vec<i64>, i64), FieldError> {
    let error = |message: &str| FieldError::new("share_amount", message);
    if chosen.iter().any(|(id, _)| !ids.contains(id)) {
        return Err(error("One of those invoices no longer owes anything: reload the page."));
    }
    let shares: Vec<i64> = ids
        .iter()
        .map(|id| chosen.iter().filter(|(c, _)| c == id).map(|(_, a)| a).sum())
        .collect();
    if shares.iter().zip(owed).any(|(share, &o)| *share > o.max(0)) {
        return Err(error("No invoice can be given more than it still owes."));
    }
    let given: i64 = shares.iter().sum();
    if given > amount {
        return Err(error("The amounts for the invoices add up to more than the payment."));
    }
    Ok((shares, amount - given))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_payment_pays_the_oldest_first_and_leaves_the_rest_as_credit() {
        assert_eq!(allocate(7000, &[4500, 4500]), (vec![4500, 2500], 0));
        assert_eq!(allocate(10000, &[4500, 4500]), (vec![4500, 4500], 1000));
        assert_eq!(allocate(0, &[4500]), (vec![0], 0));
    }

    #[test]
    fn a_chosen_split_pays_what_was_chosen_and_the_rest_is_credit() {
        let (a, b, gone) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        // The newer invoice paid in full, the older one not at all.
        assert_eq!(
            allocate_chosen(5000, &[a, b], &[4500, 3000], &[(b, 3000)]),
            Ok((vec![0, 3000], 2000))
        );
        assert_eq!(
            allocate_chosen(5000, &[a, b], &[4500, 3000], &[(a, 1000), (b, 0)]),
            Ok((vec![1000, 0], 4000))
        );
        let refused = |chosen: &[(Uuid, i64)]| {
            allocate_chosen(5000, &[a, b], &[4500, 3000], chosen)
                .unwrap_err()
                .message
        };
        assert!(refused(&[(b, 3001)]).contains("more than it still owes"));
        assert!(refused(&[(a, 4500), (b, 1000)]).contains("more than the payment"));
        assert!(refused(&[(gone, 10)]).contains("reload"));
    }

    proptest! {
        #[test]
        fn allocation_never_pays_more_than_owed(amount in 0i64..10_000_000, owed in proptest::collection::vec(0i64..1_000_000, 0..20)) {
            let (shares, credit) = allocate(amount, &owed);
            prop_assert_eq!(shares.iter().sum::<i64>() + credit, amount);
            for (share, owes) in shares.iter().zip(&owed) {
                prop_assert!(*share >= 0 && share <= owes);
            }
            // Credit is left only once everything is paid.
            prop_assert!(credit == 0 || shares == owed);
        }

        #[test]
        fn a_chosen_split_never_pays_more_than_owed_or_paid(
            amount in 0i64..10_000_000,
            owed in proptest::collection::vec(0i64..1_000_000, 1..10),
            chosen in proptest::collection::vec((0usize..10, 0i64..2_000_000), 0..10),
        ) {
            let ids: Vec<Uuid> = owed.iter().map(|_| Uuid::new_v4()).collect();
            let chosen: Vec<(Uuid, i64)> = chosen.into_iter().filter(|(n, _)| *n < ids.len()).map(|(n, a)| (ids[n], a)).collect();
            if let Ok((shares, credit)) = allocate_chosen(amount, &ids, &owed, &chosen) {
                prop_assert_eq!(shares.iter().sum::<i64>() + credit, amount);
                prop_assert!(credit >= 0);
                for (share, owes) in shares.iter().zip(&owed) {
                    prop_assert!(*share >= 0 && share <= owes);
                }
            }
        }
    }
}
