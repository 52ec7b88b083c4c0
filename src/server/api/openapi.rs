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

pub fn document() -> Value {
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
            "/api/v1/openapi.json": {"get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token, cop_…"}},
            "parameters": {"BranchId": {"name": "X-Branch-Id", "in": "header", "required": false, "schema": {"type": "string", "format": "uuid"}, "description": "The branch to act in; one the token's user belongs to (else 403)"}},
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
                "Cancellation": {"type": "object", "additionalProperties": false, "required": ["reason"], "properties": {"reason": {"type": "string"}, "scope": {"type": "string", "enum": ["this", "following"]}}},
            }
        }
    })
}

pub async fn serve() -> impl IntoResponse {
    Json(document())
}
