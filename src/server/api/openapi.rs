//! `/api/v1/openapi.json`: the API as OpenAPI 3.1. Kept beside the routes; a test calls
//! every operation listed here against the running router.

use axum::{response::IntoResponse, Json};
use serde_json::{json, Value};

fn error_responses() -> Value {
    let error = json!({"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    json!({"400": error, "401": error, "403": error, "404": error, "405": error, "409": error, "415": error, "422": error, "429": error})
}

fn ok(status: &str, description: &str, schema: Value) -> Value {
    let mut responses = error_responses();
    responses[status] = json!({"description": description, "content": {"application/json": {"schema": schema}}});
    responses
}

fn body(schema: &str) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn list_of(name: &str) -> Value {
    json!({"type": "array", "items": reference(name)})
}

/// `/api/v1/stock`: its paths and schemas, merged into the document.
fn stock_paths() -> Value {
    let branch = json!({"$ref": "#/components/parameters/BranchId"});
    let key = json!({"$ref": "#/components/parameters/IdempotencyKey"});
    json!({
        "/api/v1/stock": {"get": {
            "summary": "Every item with what the caller's branch holds, its value at cost and whether it is low; the branch's open low-stock alerts",
            "parameters": [branch],
            "responses": ok("200", "Stock", reference("Stock")),
        }},
        "/api/v1/stock/alerts": {"get": {
            "summary": "The branch's open low-stock alerts, oldest first (one per item, open from the movement that crossed the reorder level until one lifts it above)",
            "parameters": [branch],
            "responses": ok("200", "Alerts", list_of("StockAlert")),
        }},
        "/api/v1/stock/usage": {"get": {
            "summary": "What the branch used and sold from `from` to `until` (local days, both included; the last 30 days when absent; at most a year), per item and per service",
            "parameters": [
                {"name": "from", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}},
                {"name": "until", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}},
                branch
            ],
            "responses": ok("200", "Usage", reference("StockUsage")),
        }},
        "/api/v1/stock/items": {"post": {
            "summary": "Add an item",
            "parameters": [branch, key],
            "requestBody": body("ItemInput"),
            "responses": ok("201", "The item", reference("StockItem")),
        }},
        "/api/v1/stock/items/{id}": {
            "get": {
                "summary": "An item, what each of the caller's branches holds, and the latest 50 movements at this branch",
                "parameters": [id_param(), branch],
                "responses": ok("200", "The item", reference("StockItem")),
            },
            "put": {
                "summary": "Replace an item's details (absent fields take their defaults)",
                "parameters": [id_param(), branch],
                "requestBody": body("ItemInput"),
                "responses": ok("200", "The item", reference("StockItem")),
            },
        },
        "/api/v1/stock/items/{id}/movements": {"post": {
            "summary": "Record a movement at the branch: a delivery received (at a cost each), a count adjusted (with why), or units sent to another branch (both sides at once). Stock cannot go below zero unless the organization allows it (409).",
            "parameters": [id_param(), branch, key],
            "requestBody": body("MovementInput"),
            "responses": ok("201", "The item after it", reference("StockItem")),
        }},
    })
}

fn stock_schemas() -> Value {
    let uuid = json!({"type": "string", "format": "uuid"});
    json!({
        "Item": {"type": "object", "properties": {
            "id": uuid, "name": {"type": "string"}, "sku": {"type": "string"}, "unit": {"type": "string"}, "category": {"type": "string"},
            "cost_minor": {"type": "integer", "description": "What one unit cost at the last delivery"},
            "sale_price_minor": {"type": ["integer", "null"]}, "reorder_level": {"type": "integer"}, "reorder_quantity": {"type": "integer"},
            "supplier": {"type": "string"}, "active": {"type": "boolean"}
        }},
        "StockAlert": {"type": "object", "properties": {
            "item_id": uuid, "item": {"type": "string"}, "unit": {"type": "string"}, "on_hand": {"type": "integer"},
            "reorder_quantity": {"type": "integer"}, "since": {"type": "string", "description": "When it opened, in the branch's zone"}
        }},
        "Stock": {"type": "object", "properties": {
            "branch": {"type": "string"}, "currency": {"type": "string"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {"item": reference("Item"), "on_hand": {"type": "integer"}}}},
            "alerts": list_of("StockAlert"), "can_manage": {"type": "boolean"}
        }},
        "StockItem": {"type": "object", "properties": {
            "item": reference("Item"), "currency": {"type": "string"}, "branch_id": uuid,
            "stock": {"type": "array", "items": {"type": "object", "properties": {"branch_id": uuid, "branch": {"type": "string"}, "on_hand": {"type": "integer"}}}},
            "movements": {"type": "array", "description": "Newest first", "items": {"type": "object", "properties": {
                "id": uuid, "kind": {"type": "string", "enum": ["receive", "adjust", "transfer_out", "transfer_in", "consume", "sell"]},
                "quantity": {"type": "integer"}, "balance_after": {"type": "integer"}, "unit_cost_minor": {"type": ["integer", "null"]},
                "reason": {"type": "string"}, "other_branch": {"type": ["string", "null"]},
                "appointment_id": {"type": ["string", "null"], "format": "uuid", "description": "A consumption's visit"},
                "recorded_by": {"type": "string"}, "when": {"type": "string"}
            }}}
        }},
        "ItemInput": {"type": "object", "additionalProperties": false, "required": ["name"], "properties": {
            "name": {"type": "string", "maxLength": 200}, "sku": {"type": "string", "maxLength": 64}, "unit": {"type": "string", "default": "unit"},
            "category": {"type": "string"}, "cost": {"type": "integer", "minimum": 0, "description": "Minor units"},
            "sale_price": {"type": "integer", "minimum": 0, "description": "Minor units; absent: not sold"},
            "reorder_level": {"type": "integer", "minimum": 0}, "reorder_quantity": {"type": "integer", "minimum": 0},
            "supplier": {"type": "string"}, "active": {"type": "boolean", "default": true}
        }},
        "MovementInput": {"type": "object", "additionalProperties": false, "required": ["kind", "quantity"], "properties": {
            "kind": {"type": "string", "enum": ["receive", "adjust", "transfer"]},
            "quantity": {"type": "integer", "description": "Units, more than 0; an adjustment may be negative"},
            "unit_cost": {"type": "integer", "description": "Receive: minor units a unit"},
            "reason": {"type": "string", "description": "Adjust: why"},
            "to_branch": {"type": "string", "format": "uuid", "description": "Transfer: the branch it goes to"}
        }},
        "StockUsage": {"type": "object", "properties": {
            "from": {"type": "string", "format": "date"}, "until": {"type": "string", "format": "date"}, "currency": {"type": "string"},
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "item_id": uuid, "item": {"type": "string"}, "sku": {"type": "string"}, "unit": {"type": "string"},
                "used": {"type": "integer", "description": "Used in visits (less what they gave back) and sold"},
                "cost_minor": {"type": "integer", "description": "At the item's cost now"}
            }}},
            "services": {"type": "array", "items": {"type": "object", "properties": {
                "service": {"type": "string"}, "item": {"type": "string"}, "unit": {"type": "string"},
                "used": {"type": "integer"}, "visits": {"type": "integer"}
            }}}
        }},
    })
}

/// `/api/v1/forms` and the patient's `/api/v1/form-links/{token}`: paths and schemas.
fn forms_paths() -> Value {
    let branch = json!({"$ref": "#/components/parameters/BranchId"});
    let token = json!({"name": "token", "in": "path", "required": true, "schema": {"type": "string"},
                       "description": "The signed token of the patient's form link (`/forms/{token}`)"});
    json!({
        "/api/v1/forms": {"get": {
            "summary": "The form templates, in use first (owners and admins)",
            "parameters": [branch],
            "responses": ok("200", "Templates", list_of("FormTemplateSummary")),
        }},
        "/api/v1/forms/{id}": {"get": {
            "summary": "A template with its current version's fields and the services that ask for it",
            "parameters": [id_param(), branch],
            "responses": ok("200", "The template", reference("FormTemplate")),
        }},
        "/api/v1/patients/{id}/forms": {"get": {
            "summary": "The forms sent to a patient at the caller's branches, newest first, with their status",
            "parameters": [id_param(), branch],
            "responses": ok("200", "The patient's forms", reference("PatientForms")),
        }},
        "/api/v1/form-submissions/{id}": {"get": {
            "summary": "A submission's answers beside the questions of the version answered (owners and practitioners; every read is audited)",
            "parameters": [id_param(), branch],
            "responses": ok("200", "The submission", reference("FormSubmission")),
        }},
        "/api/v1/form-links/{token}": {
            "get": {
                "summary": "What a patient's form link opens (no API token: the link's token is the key)",
                "security": [],
                "parameters": [token],
                "responses": ok("200", "The form", reference("PatientForm")),
            },
            "post": {
                "summary": "Keep the patient's answers, or send them (`send`: each is checked, 422 names the wrong ones)",
                "security": [],
                "parameters": [token],
                "requestBody": body("FormAnswers"),
                "responses": ok("200", "Kept or submitted", json!({"type": "object", "properties": {"status": {"type": "string", "enum": ["kept", "submitted"]}}})),
            },
        },
    })
}

fn forms_schemas() -> Value {
    let uuid = json!({"type": "string", "format": "uuid"});
    let field = json!({"type": "object", "properties": {
        "key": {"type": "string"}, "kind": {"type": "string", "enum": ["heading", "short_text", "long_text", "number", "date",
            "single_choice", "multiple_choice", "yes_no", "consent", "signature"]},
        "label": {"type": "string"}, "help": {"type": "string"}, "required": {"type": "boolean"},
        "choices": {"type": "array", "items": {"type": "string"}}
    }});
    let summary = json!({"type": "object", "properties": {
        "id": uuid, "template_id": uuid, "name": {"type": "string"}, "version": {"type": "integer"},
        "status": {"type": "string", "enum": ["waiting", "submitted", "expired"]}, "status_label": {"type": "string"},
        "requested": {"type": "string"}, "visit": {"type": ["string", "null"]}, "appointment_id": {"type": ["string", "null"], "format": "uuid"}
    }});
    json!({
        "FormField": field,
        "FormTemplateSummary": {"type": "object", "properties": {
            "id": uuid, "name": {"type": "string"}, "version": {"type": "integer"}, "active": {"type": "boolean"},
            "questions": {"type": "integer"}, "services": {"type": "array", "items": {"type": "string"}}
        }},
        "FormTemplate": {"type": "object", "properties": {
            "id": uuid, "name": {"type": "string"}, "intro": {"type": "string"}, "version": {"type": "integer"},
            "active": {"type": "boolean"}, "fields": list_of("FormField"), "services": {"type": "array", "items": uuid}
        }},
        "FormSubmissionSummary": summary,
        "PatientForms": {"type": "object", "properties": {
            "submissions": list_of("FormSubmissionSummary"), "can_read": {"type": "boolean"}
        }},
        "FormSubmission": {"type": "object", "properties": {
            "summary": reference("FormSubmissionSummary"), "patient_id": uuid, "patient_name": {"type": "string"},
            "clinic": {"type": "string"}, "intro": {"type": "string"}, "fields": list_of("FormField"),
            "answers": {"type": "object", "description": "By field key: {\"type\": \"text\"|\"number\"|\"date\"|\"choices\"|\"yes_no\"|\"accepted\"|\"signature\", \"value\": ...}"}
        }},
        "PatientForm": {"type": "object", "properties": {
            "clinic": {"type": "string"}, "title": {"type": "string"}, "intro": {"type": "string"}, "fields": list_of("FormField"),
            "visit": {"type": ["string", "null"]}, "until": {"type": "string"},
            "draft": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}, "description": "What was kept: [key, value] pairs"},
            "submitted": {"type": ["string", "null"]}
        }},
        "FormAnswers": {"type": "object", "additionalProperties": false, "required": ["answers"], "properties": {
            "answers": {"type": "object", "description": "By field key: text, a number, a date (YYYY-MM-DD), a choice or a list of them, true/false, or a signature {\"name\", \"drawing\"}"},
            "send": {"type": "boolean", "default": false}
        }},
    })
}

pub fn document() -> Value {
    let mut document = core();
    let merge = |into: &mut Value, from: Value| {
        if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
            into.extend(from);
        }
    };
    merge(&mut document["paths"], stock_paths());
    merge(&mut document["components"]["schemas"], stock_schemas());
    merge(&mut document["paths"], forms_paths());
    merge(&mut document["components"]["schemas"], forms_schemas());
    document
}

fn core() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "CareOps API",
            "version": "1",
            "description": "Integrations with CareOps. Authenticate with a personal API token (Account → API tokens) as `Authorization: Bearer cop_…`; choose the branch with `X-Branch-Id` (default: the token owner's current branch). Every call runs the same permission checks as the app."
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/me": {"get": {
                "summary": "The token's user, organization and branch",
                "parameters": [{"$ref": "#/components/parameters/BranchId"}],
                "responses": ok("200", "The caller", reference("CurrentUser")),
            }},
            "/api/v1/branches": {
                "get": {"summary": "Branches the caller works in", "parameters": [{"$ref": "#/components/parameters/BranchId"}], "responses": ok("200", "Branches", list_of("Branch"))},
                "post": {"summary": "Create a branch", "parameters": [{"$ref": "#/components/parameters/BranchId"}], "requestBody": body("BranchInput"), "responses": ok("201", "The new branch", reference("Branch"))},
            },
            "/api/v1/branches/{id}": {
                "get": {"summary": "One branch", "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}], "responses": ok("200", "The branch", reference("Branch"))},
                "patch": {"summary": "Change a branch (missing fields keep their value)", "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}], "requestBody": body("BranchInput"), "responses": ok("200", "The branch", reference("Branch"))},
            },
            "/api/v1/staff": {"get": {
                "summary": "Staff of the organization",
                "parameters": [{"$ref": "#/components/parameters/BranchId"}],
                "responses": ok("200", "Staff", list_of("StaffMember")),
            }},
            "/api/v1/calendar/appointments": {
                "get": {
                    "summary": "Appointments of the branch in a range (at most 62 days), cancelled ones included",
                    "parameters": [
                        {"name": "from", "in": "query", "required": true, "schema": {"type": "string"}, "description": "A day (2026-12-01, in the branch's zone) or an instant (RFC 3339)"},
                        {"name": "to", "in": "query", "required": true, "schema": {"type": "string"}, "description": "As `from`; exclusive"},
                        {"$ref": "#/components/parameters/BranchId"}
                    ],
                    "responses": ok("200", "Appointments", list_of("Appointment")),
                },
                "post": {
                    "summary": "Book an appointment. Overlaps for the practitioner, room or equipment (buffers included) answer 409 naming the clash; outside working hours answers 409 unless the role may override and override_working_hours is true.",
                    "parameters": [{"$ref": "#/components/parameters/BranchId"}],
                    "requestBody": body("NewAppointment"),
                    "responses": ok("201", "The appointment", reference("Appointment")),
                },
            },
            "/api/v1/calendar/appointments/{id}": {"get": {
                "summary": "One appointment",
                "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}],
                "responses": ok("200", "The appointment", reference("Appointment")),
            }, "patch": {
                "summary": "Move, resize, reassign and/or change the status of an appointment",
                "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}],
                "requestBody": body("AppointmentChange"),
                "responses": ok("200", "The appointment", reference("Appointment")),
            }},
            "/api/v1/calendar/appointments/{id}/cancel": {"post": {
                "summary": "Cancel an appointment (or it and the following ones of its series)",
                "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}],
                "requestBody": body("Cancellation"),
                "responses": ok("200", "The cancelled appointments", list_of("Appointment")),
            }},
            "/api/v1/visits/{id}": {"get": {
                "summary": "The visit of an appointment (its id is the appointment's): times, services performed, materials, its invoice; the clinical note only for roles that may read notes (the read is audited)",
                "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}],
                "responses": ok("200", "The visit", reference("Visit")),
            }},
            "/api/v1/visits/{id}/services": {"post": {
                "summary": "Record a service performed (the visit must have started). A price needs a role that may override prices.",
                "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": body("ServicePerformed"),
                "responses": ok("201", "The visit", reference("Visit")),
            }},
            "/api/v1/invoices": {
                "get": {
                    "summary": "The branch's newest invoices and credit notes (at most 200)",
                    "parameters": [
                        {"name": "show", "in": "query", "required": false, "schema": {"type": "string", "enum": ["outstanding", "drafts", "all"], "default": "outstanding"}},
                        {"$ref": "#/components/parameters/BranchId"}
                    ],
                    "responses": ok("200", "Invoices", reference("InvoiceList")),
                },
                "post": {
                    "summary": "Draft an invoice: from a completed visit with its services (answers 200 with the visit's invoice if it has one), or blank for a patient",
                    "parameters": [{"$ref": "#/components/parameters/BranchId"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
                    "requestBody": body("NewInvoice"),
                    "responses": ok("201", "The draft", reference("Invoice")),
                },
            },
            "/api/v1/invoices/{id}": {
                "get": {
                    "summary": "An invoice or credit note with its lines, totals, payments and change log",
                    "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}],
                    "responses": ok("200", "The invoice", reference("Invoice")),
                },
                "delete": {
                    "summary": "Throw a draft away (it has no number yet)",
                    "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}],
                    "responses": {"204": {"description": "Discarded"}, "400": error_responses()["400"], "401": error_responses()["401"], "403": error_responses()["403"], "404": error_responses()["404"], "409": error_responses()["409"]},
                },
            },
            "/api/v1/invoices/{id}/lines": {"post": {
                "summary": "Add a line to a draft",
                "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": body("NewLine"),
                "responses": ok("201", "The draft", reference("Invoice")),
            }},
            "/api/v1/invoices/{id}/lines/{line_id}": {"delete": {
                "summary": "Remove a line from a draft",
                "parameters": [id_param(), {"name": "line_id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}, {"$ref": "#/components/parameters/BranchId"}],
                "responses": ok("200", "The draft", reference("Invoice")),
            }},
            "/api/v1/invoices/{id}/issue": {"post": {
                "summary": "Issue a draft: its totals are fixed and it takes the next number of its series (consecutive, no gaps); an issued invoice never changes",
                "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
                "responses": ok("200", "The issued invoice", reference("Invoice")),
            }},
            "/api/v1/invoices/{id}/credit": {"post": {
                "summary": "Cancel an issued invoice with a credit note (numbered in its own series); its payments become the patient's credit",
                "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
                "responses": ok("201", "The credit note", reference("Invoice")),
            }},
            "/api/v1/invoices/{id}/payments": {
                "get": {
                    "summary": "The payments that went to an invoice",
                    "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}],
                    "responses": ok("200", "Payments", list_of("InvoicePayment")),
                },
                "post": {
                    "summary": "Record a payment. What the invoice does not need pays the patient's other open invoices, oldest first, then becomes their credit. With an Idempotency-Key, the same payment sent again is recorded once.",
                    "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
                    "requestBody": body("NewPayment"),
                    "responses": ok("201", "The invoice", reference("Invoice")),
                },
            },
            "/api/v1/payments/{id}/refunds": {"post": {
                "summary": "Refund part or all of a payment, never more than it brought; invoices it paid owe it again",
                "parameters": [id_param(), {"$ref": "#/components/parameters/BranchId"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": body("NewRefund"),
                "responses": ok("201", "The refund", reference("Refund")),
            }},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token, cop_…"}},
            "parameters": {"IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 255}, "description": "Any POST may carry one (a UUID is usual). Its first answer is kept for a day: the same key and request again gets that answer (with `Idempotent-Replayed: true`) instead of doing it twice; the key with another request is a 422; while the first still runs, a 409."}, "BranchId": {"name": "X-Branch-Id", "in": "header", "required": false, "schema": {"type": "string", "format": "uuid"}, "description": "The branch to act in; one the token's user belongs to (else 403)"}},
            "schemas": {
                "Error": {"type": "object", "required": ["detail", "status_code"], "properties": {
                    "detail": {"type": "string"}, "status_code": {"type": "integer"},
                    "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}
                }},
                "CurrentUser": {"type": "object", "properties": {
                    "user_id": {"type": "string", "format": "uuid"}, "full_name": {"type": "string"}, "email": {"type": "string"},
                    "two_factor": {"type": "boolean"}, "org_id": {"type": "string", "format": "uuid"}, "org_name": {"type": "string"},
                    "branch": {"$ref": "#/components/schemas/BranchAccess"}, "branches": list_of("BranchAccess")
                }},
                "BranchAccess": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "timezone": {"type": "string"}, "role": {"type": "string", "enum": ["owner", "admin", "practitioner", "receptionist", "accountant"]}}},
                "DayHours": {"type": "object", "required": ["weekday", "opens", "closes"], "properties": {"weekday": {"type": "integer", "minimum": 1, "maximum": 7}, "opens": {"type": "string", "example": "08:00"}, "closes": {"type": "string", "example": "18:00"}}},
                "Branch": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "address": {"type": "string"}, "phone": {"type": "string"}, "timezone": {"type": "string"}, "opening_hours": list_of("DayHours")}},
                "BranchInput": {"type": "object", "additionalProperties": false, "properties": {"name": {"type": "string"}, "address": {"type": "string"}, "phone": {"type": "string"}, "timezone": {"type": "string", "example": "Europe/Berlin"}, "opening_hours": list_of("DayHours")}},
                "StaffMember": {"type": "object", "properties": {"user_id": {"type": "string", "format": "uuid"}, "full_name": {"type": "string"}, "email": {"type": "string"}, "is_active": {"type": "boolean"}, "two_factor": {"type": "boolean"}, "last_login_at": {"type": ["string", "null"], "format": "date-time"}, "access": {"type": "array", "items": {"type": "object"}}}},
                "Appointment": {"type": "object", "properties": {
                    "id": {"type": "string", "format": "uuid"}, "branch_id": {"type": "string", "format": "uuid"},
                    "patient_id": {"type": "string", "format": "uuid"}, "patient_name": {"type": "string"},
                    "practitioner_id": {"type": "string", "format": "uuid"}, "practitioner_name": {"type": "string"},
                    "service_id": {"type": "string", "format": "uuid"}, "service_name": {"type": "string"}, "colour": {"type": "string"},
                    "room_id": {"type": ["string", "null"], "format": "uuid"}, "room_name": {"type": ["string", "null"]},
                    "resource_names": {"type": "array", "items": {"type": "string"}},
                    "status": {"type": "string", "enum": ["scheduled", "confirmed", "arrived", "in_progress", "completed", "cancelled", "no_show"]},
                    "source": {"type": "string", "enum": ["staff", "portal", "api"]},
                    "starts_at": {"type": "string", "format": "date-time"}, "ends_at": {"type": "string", "format": "date-time"},
                    "buffer_before_minutes": {"type": "integer"}, "buffer_after_minutes": {"type": "integer"},
                    "series_id": {"type": ["string", "null"], "format": "uuid"}, "notes": {"type": "string"},
                    "cancel_reason": {"type": ["string", "null"]},
                    "arrived_at": {"type": ["string", "null"], "format": "date-time", "description": "When the patient checked in."},
                    "local_date": {"type": "string", "format": "date"}, "start_minute": {"type": "integer"}, "end_minute": {"type": "integer"}, "time_label": {"type": "string"}
                }},
                "NewAppointment": {"type": "object", "additionalProperties": false, "required": ["practitioner_id", "service_id", "starts_at"], "properties": {
                    "patient_id": {"type": "string", "format": "uuid"},
                    "new_patient": {"type": "object", "required": ["name", "phone"], "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}},
                    "practitioner_id": {"type": "string", "format": "uuid"}, "service_id": {"type": "string", "format": "uuid"},
                    "room_id": {"type": "string", "format": "uuid"}, "starts_at": {"type": "string", "format": "date-time"},
                    "minutes": {"type": "integer", "minimum": 5, "maximum": 600}, "notes": {"type": "string"},
                    "override_working_hours": {"type": "boolean"}
                }},
                "AppointmentChange": {"type": "object", "additionalProperties": false, "properties": {
                    "starts_at": {"type": "string", "format": "date-time"}, "minutes": {"type": "integer"},
                    "practitioner_id": {"type": "string", "format": "uuid"}, "room_id": {"type": "string", "format": "uuid"},
                    "status": {"type": "string", "enum": ["confirmed", "arrived", "in_progress", "completed", "no_show"]},
                    "override_working_hours": {"type": "boolean"}
                }},
                "Visit": {"type": "object", "properties": {
                    "appointment_id": {"type": "string", "format": "uuid"},
                    "status": {"type": "string", "enum": ["scheduled", "confirmed", "arrived", "in_progress", "completed", "cancelled", "no_show"]},
                    "arrived_local": {"type": ["string", "null"], "example": "09:02"}, "started_local": {"type": ["string", "null"]}, "completed_local": {"type": ["string", "null"]},
                    "currency": {"type": "string"},
                    "services": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "service_id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "quantity": {"type": "integer"}, "unit_price": {"type": "integer", "description": "Minor units"}}}},
                    "materials": {"type": "array", "items": {"type": "object"}},
                    "note": {"type": ["object", "null"], "description": "Subjective, objective, assessment, plan; signature and addenda. Null for roles that may not read clinical notes."},
                    "invoice": {"type": ["array", "null"], "description": "[id, number or \"Draft\"]"}
                }},
                "ServicePerformed": {"type": "object", "additionalProperties": false, "required": ["service_id"], "properties": {
                    "service_id": {"type": "string", "format": "uuid"}, "quantity": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
                    "price": {"type": "integer", "description": "Minor units; absent: the catalog's price"}
                }},
                "InvoiceList": {"type": "object", "properties": {
                    "currency": {"type": "string"}, "outstanding": {"type": "integer", "description": "What all the branch's open invoices still owe (not only those listed), minor units"},
                    "invoices": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string", "format": "uuid"}, "kind": {"type": "string", "enum": ["invoice", "credit_note"]},
                        "status": {"$ref": "#/components/schemas/InvoiceStatus"}, "number_label": {"type": ["string", "null"]},
                        "patient_name": {"type": "string"}, "date_local": {"type": "string"}, "total": {"type": "integer"}, "balance": {"type": "integer"}
                    }}}
                }},
                "InvoiceStatus": {"type": "string", "enum": ["draft", "issued", "partially_paid", "paid", "void"]},
                "LineAmounts": {"type": "object", "properties": {"quantity": {"type": "integer"}, "unit_price": {"type": "integer"}, "discount_bp": {"type": "integer", "description": "Basis points: 1000 is 10%"}, "tax_bp": {"type": "integer"}}},
                "Invoice": {"type": "object", "properties": {
                    "id": {"type": "string", "format": "uuid"}, "kind": {"type": "string", "enum": ["invoice", "credit_note"]},
                    "status": {"$ref": "#/components/schemas/InvoiceStatus"}, "number_label": {"type": ["string", "null"], "example": "INV-2026-000123"},
                    "patient_id": {"type": "string", "format": "uuid"}, "patient_name": {"type": "string"},
                    "appointment_id": {"type": ["string", "null"], "format": "uuid"},
                    "credits": {"type": ["array", "null"], "description": "A credit note's invoice: [id, number]"},
                    "credited_by": {"type": "array", "description": "Credit notes that cancelled it: [id, number]"},
                    "currency": {"type": "string"}, "tax_mode": {"type": "string", "enum": ["exclusive", "inclusive"]},
                    "issued_local": {"type": ["string", "null"]}, "due_on": {"type": ["string", "null"], "format": "date"},
                    "seller_name": {"type": "string"}, "seller_address": {"type": "string"}, "seller_tax_id": {"type": "string"}, "notes": {"type": "string"},
                    "lines": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string", "format": "uuid"}, "description": {"type": "string"},
                        "item_id": {"type": ["string", "null"], "format": "uuid", "description": "The product from stock it sells"},
                        "amounts": {"$ref": "#/components/schemas/LineAmounts"},
                        "totals": {"type": "object", "properties": {"gross": {"type": "integer"}, "discount": {"type": "integer"}, "net": {"type": "integer"}, "tax": {"type": "integer"}, "total": {"type": "integer"}}}
                    }}},
                    "totals": {"type": "object", "description": "Net, tax by rate, total; minor units"},
                    "paid": {"type": "integer"}, "balance": {"type": "integer", "description": "Still owed, minor units"},
                    "payments": list_of("InvoicePayment"),
                    "patient_credit": {"type": "integer"},
                    "patient_open": {"type": "array", "description": "For those who take payments: the patient's open invoices a payment here may go to", "items": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "number_label": {"type": "string"}, "owed": {"type": "integer"}}}},
                    "history": {"type": "array", "description": "The change log, from the audit log", "items": {"type": "object"}}
                }},
                "NewInvoice": {"type": "object", "additionalProperties": false, "properties": {
                    "appointment_id": {"type": "string", "format": "uuid", "description": "A completed visit"},
                    "patient_id": {"type": "string", "format": "uuid", "description": "Or a patient, for a blank draft"}
                }},
                "NewLine": {"type": "object", "additionalProperties": false, "description": "A line; one selling a product names its item, and takes the item's name and sale price unless given. Issuing the invoice takes the product from the branch's stock (409 if too little), its credit note puts it back.", "properties": {
                    "item_id": {"type": "string", "format": "uuid", "description": "A stock item with a sale price"},
                    "description": {"type": "string", "maxLength": 300, "description": "Required unless item_id is given"}, "quantity": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1},
                    "unit_price": {"type": "integer", "description": "Minor units; required unless item_id is given"},
                    "discount": {"type": "number", "description": "Percent, up to two decimals", "default": 0},
                    "tax": {"type": "number", "description": "Percent, up to two decimals", "default": 0}
                }},
                "PaymentMethod": {"type": "string", "enum": ["cash", "card", "bank_transfer", "insurance", "other"]},
                "InvoicePayment": {"type": "object", "properties": {
                    "payment_id": {"type": "string", "format": "uuid"}, "method": {"$ref": "#/components/schemas/PaymentMethod"},
                    "reference": {"type": "string"}, "received_local": {"type": "string"}, "received_by": {"type": "string"},
                    "applied": {"type": "integer", "description": "What this invoice got of it"}, "amount": {"type": "integer"}, "refunded": {"type": "integer"}
                }},
                "NewPayment": {"type": "object", "additionalProperties": false, "required": ["method", "amount"], "properties": {
                    "method": {"$ref": "#/components/schemas/PaymentMethod"}, "amount": {"type": "integer", "minimum": 1, "description": "Minor units"},
                    "reference": {"type": "string", "maxLength": 200},
                    "allocations": {"type": "array", "description": "What each of the patient's open invoices at the branch gets (each at most what it owes, together at most the amount; the rest is credit). Absent: this invoice first, then the oldest.", "items": {"type": "object", "additionalProperties": false, "required": ["invoice_id", "amount"], "properties": {"invoice_id": {"type": "string", "format": "uuid"}, "amount": {"type": "integer", "minimum": 0}}}}
                }},
                "NewRefund": {"type": "object", "additionalProperties": false, "required": ["amount", "method", "reason"], "properties": {
                    "amount": {"type": "integer", "minimum": 1}, "method": {"$ref": "#/components/schemas/PaymentMethod"}, "reason": {"type": "string"}
                }},
                "Refund": {"type": "object", "properties": {
                    "id": {"type": "string", "format": "uuid"}, "payment_id": {"type": "string", "format": "uuid"},
                    "amount": {"type": "integer"}, "method": {"$ref": "#/components/schemas/PaymentMethod"}, "reason": {"type": "string"}
                }},
                "Cancellation": {"type": "object", "additionalProperties": false, "required": ["reason"], "properties": {"reason": {"type": "string"}, "scope": {"type": "string", "enum": ["this", "following"]}}},
            }
        }
    })
}

pub async fn serve() -> impl IntoResponse {
    Json(document())
}
