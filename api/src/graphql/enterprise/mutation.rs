//! Enterprise mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::types::Enterprise;
use crate::{
    graphql::{actor, db, parse_id},
    service::enterprise::{self as svc, NewContact, NewEnterprise},
};

/// A contact person of a new enterprise.
#[derive(InputObject)]
pub struct EnterpriseContactInput {
    /// Name.
    pub name: String,
    /// Phone number: a mainland number (mobile `13812345678`, landline `0571-87000110`, with or
    /// without +86), or a foreign one with + (or 00) and its country code (`+962 79 123 4567`),
    /// checked by that country's rules and stored in E.164.
    pub phone: Option<String>,
    /// Position.
    pub position: Option<String>,
    /// The main contact (at most one).
    pub is_primary: Option<bool>,
}

/// A new enterprise.
#[derive(InputObject)]
pub struct CreateEnterpriseInput {
    /// Unified social credit code (18 characters; the check character is verified).
    pub credit_code: String,
    /// Registered name (1–200 characters).
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Above designated size (规上企业).
    pub above_designated_size: Option<bool>,
    /// Handles hazardous chemicals.
    pub hazardous_chemicals: Option<bool>,
    /// Address.
    pub address: Option<String>,
    /// Grid.
    pub grid_id: Option<ID>,
    /// Police liaison officer (a person id).
    pub liaison_officer_id: Option<ID>,
    /// Contacts.
    pub contacts: Option<Vec<EnterpriseContactInput>>,
    /// A key (8–100 characters, e.g. a UUID made once per form submission) that makes the call
    /// safe to retry: a retry with the same key and input answers the record the first call
    /// created; the same key with another input is IDEMPOTENCY_KEY_REUSED. Kept 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `createEnterprise`.
#[derive(SimpleObject)]
pub struct CreateEnterprisePayload {
    /// The new enterprise.
    pub enterprise: Enterprise,
}

/// Enterprise mutations (admins and commanders).
#[derive(Default)]
pub struct EnterpriseMutation;

#[Object]
impl EnterpriseMutation {
    /// Changes an enterprise's registered name, industry, address, grid and flags, or deactivates it (closed or moved away; its cases stay). Admins and commanders, within their jurisdiction; versioned like
    /// cases, and recorded in the audit log with the fields before and after (CHANGE).
    /// An update that changes nothing is BAD_USER_INPUT.
    async fn update_enterprise(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: UpdateEnterpriseInput,
    ) -> async_graphql::Result<UpdateEnterprisePayload> {
        let u = crate::service::enterprise::EnterpriseUpdate {
            id: crate::graphql::parse_id("input.id", &input.id)?,
            version: input.version,
            name: input.name,
            industry: crate::graphql::patch(input.industry),
            address: crate::graphql::patch(input.address),
            grid_id: crate::graphql::patch(input.grid_id)
                .map(|g| {
                    g.map(|i| crate::graphql::parse_id("input.gridId", &i))
                        .transpose()
                })
                .transpose()?,
            above_designated_size: input.above_designated_size,
            hazardous_chemicals: input.hazardous_chemicals,
            active: input.active,
            liaison_officer_id: crate::graphql::patch(input.liaison_officer_id)
                .map(|g| {
                    g.map(|i| crate::graphql::parse_id("input.liaisonOfficerId", &i))
                        .transpose()
                })
                .transpose()?,
            contacts: input.contacts.map(|l| {
                l.into_iter()
                    .map(|c| NewContact {
                        name: c.name,
                        phone: c.phone,
                        position: c.position,
                        is_primary: c.is_primary.unwrap_or(false),
                    })
                    .collect()
            }),
        };
        let m = crate::service::enterprise::update(
            crate::graphql::db(ctx)?,
            crate::graphql::actor(ctx)?,
            crate::graphql::request(ctx)?,
            u,
        )
        .await?;
        Ok(UpdateEnterprisePayload {
            enterprise: Enterprise(m),
        })
    }

    /// Registers an enterprise with its contacts.
    async fn create_enterprise(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CreateEnterpriseInput,
    ) -> async_graphql::Result<CreateEnterprisePayload> {
        let opt = |n: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(n, i)).transpose();
        let new = NewEnterprise {
            credit_code: input.credit_code,
            name: input.name,
            industry: input.industry,
            above_designated_size: input.above_designated_size.unwrap_or(false),
            hazardous_chemicals: input.hazardous_chemicals.unwrap_or(false),
            address: input.address,
            grid_id: opt("input.gridId", &input.grid_id)?,
            liaison_officer_id: opt("input.liaisonOfficerId", &input.liaison_officer_id)?,
            contacts: input
                .contacts
                .unwrap_or_default()
                .into_iter()
                .map(|c| NewContact {
                    name: c.name,
                    phone: c.phone,
                    position: c.position,
                    is_primary: c.is_primary.unwrap_or(false),
                })
                .collect(),
        };
        Ok(CreateEnterprisePayload {
            enterprise: Enterprise(
                svc::create_once(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?,
            ),
        })
    }
}

/// A change to an enterprise: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateEnterpriseInput {
    /// The enterprise to change; one of your jurisdiction, else NOT_FOUND.
    pub id: ID,
    /// The `version` you read; if it moved since, CONFLICT (field `input.version`): reload and retry.
    pub version: i32,
    /// Registered name (1–200 characters).
    pub name: Option<String>,
    /// Industry (up to 100 characters); null clears it.
    pub industry: async_graphql::MaybeUndefined<String>,
    /// Address (up to 200 characters); null clears it.
    pub address: async_graphql::MaybeUndefined<String>,
    /// The grid it belongs to, one of your jurisdiction (else NOT_FOUND); null only for district-wide accounts.
    pub grid_id: async_graphql::MaybeUndefined<ID>,
    /// Above designated size (规上企业).
    pub above_designated_size: Option<bool>,
    /// Produces, stores or uses hazardous chemicals.
    pub hazardous_chemicals: Option<bool>,
    /// False deactivates it; it stays on its cases and in lists with `active: false`.
    pub active: Option<bool>,
    /// The community police officer (联络警官) who looks after it; null removes the link.
    pub liaison_officer_id: async_graphql::MaybeUndefined<ID>,
    /// The complete list of contacts (at most 50, at most one primary), replacing the stored
    /// list; left out, the contacts stay. The audit records them masked.
    pub contacts: Option<Vec<EnterpriseContactInput>>,
}

/// Result of `updateEnterprise`.
#[derive(SimpleObject)]
pub struct UpdateEnterprisePayload {
    /// The enterprise after the change, with its new `version` for the next update.
    pub enterprise: Enterprise,
}
