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
