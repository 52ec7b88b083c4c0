//! The audit log: who did what, where and when, with a diff of what changed. Rows are
//! written in the same transaction as the change they describe, and never altered.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::Tx;
use crate::domain::{
    audit::{AuditFilter, AuditRecord, AUDIT_PAGE_SIZE},
    AppError,
};

pub struct Entry<'a> {
    pub org_id: Uuid,
    pub branch_id: Option<Uuid>,
    pub actor: Option<Uuid>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<Uuid>,
    pub diff: Value,
    pub ip: Option<&'a str>,
}

pub async fn record(tx: &mut Tx, entry: Entry<'_>) -> Result<(), AppError> {
    sqlx::query!(
        "insert into audit_log (org_id, branch_id, actor_user_id, action, entity, entity_id, diff, ip)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        entry.org_id,
        entry.branch_id,
        entry.actor,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.diff,
        entry.ip,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `{"before": {...}, "after": {...}}` holding only the fields that differ.
pub fn changes(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let (b, a) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let mut old = Map::new();
    let mut new = Map::new();
    for key in b.keys().chain(a.keys()) {
        let (was, is) = (b.get(key), a.get(key));
        if was != is && !old.contains_key(key) && !new.contains_key(key) {
            old.insert(key.clone(), was.cloned().unwrap_or(Value::Null));
            new.insert(key.clone(), is.cloned().unwrap_or(Value::Null));
        }
    }
    serde_json::json!({ "before": old, "after": new })
}

/// The newest entries matching `filter`, a page at a time (keyset on the id).
pub async fn list(tx: &mut Tx, org_id: Uuid, filter: &AuditFilter) -> Result<Vec<AuditRecord>, AppError> {
    let rows = sqlx::query!(
        r#"
        select a.id, a.created_at, a.action, a.entity, a.entity_id, a.diff, a.ip,
               u.full_name as "actor_name?", b.name as "branch_name?"
        from audit_log a
        left join users u on u.id = a.actor_user_id
        left join branches b on b.id = a.branch_id
        where a.org_id = $1
          and ($2::text is null or a.action = $2)
          and ($3::uuid is null or a.actor_user_id = $3)
          and ($4::timestamptz is null or a.created_at >= $4)
          and ($5::timestamptz is null or a.created_at < $5)
          and ($6::bigint is null or a.id < $6)
          and ($8::uuid is null or a.entity_id = $8)
        order by a.id desc
        limit $7
        "#,
        org_id,
        filter.action.as_deref(),
        filter.actor,
        filter.from,
        filter.until,
        filter.before,
        AUDIT_PAGE_SIZE + 1,
        filter.entity_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRecord {
            id: r.id,
            at: r.created_at,
            at_local: String::new(),
            actor_name: r.actor_name,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            branch_name: r.branch_name,
            changes: summarize(&r.diff),
            ip: r.ip,
        })
        .collect())
}

/// `name: "Old" → "New"; phone: "" → "+44 …"` for the table.
fn summarize(diff: &Value) -> String {
    let (Some(before), Some(after)) = (diff["before"].as_object(), diff["after"].as_object()) else {
        return String::new();
    };
    after
        .iter()
        .map(|(key, new)| {
            let old = before.get(key).unwrap_or(&Value::Null);
            format!("{key}: {} → {}", short(old), short(new))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn short(value: &Value) -> String {
    let text = match value {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_keep_only_what_differs() {
        let diff = changes(
            &json!({"name": "Old", "phone": "", "timezone": "Europe/London"}),
            &json!({"name": "New", "phone": "", "timezone": "Europe/London", "address": "Main St"}),
        );
        assert_eq!(
            diff,
            json!({"before": {"name": "Old", "address": null}, "after": {"name": "New", "address": "Main St"}})
        );
        assert_eq!(summarize(&diff), "address: — → Main St; name: Old → New");
    }
}
