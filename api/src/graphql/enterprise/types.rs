//! GraphQL types of the enterprise aggregate.

use async_graphql::{Context, Enum, InputObject, Object, ID};
use chrono::{DateTime, Utc};
use entity::{enterprise, enterprise_contact, grid};

use super::loader::EnterpriseContacts;
use crate::{
    connection,
    graphql::{
        case::{
            query as case_query,
            types::{CaseConnection, CaseFilterInput, CaseSort},
        },
        grid::types::Grid,
        id, loader, page_args, parse_id,
        personal::{PersonalDataKind as K, PersonalField},
    },
    service::{
        enterprise::{EnterpriseFilter, EnterpriseSort as S},
        personal::Category,
    },
};

/// An enterprise in the jurisdiction (企业).
pub struct Enterprise(pub enterprise::Model);

/// An enterprise in the jurisdiction (企业).
#[Object]
impl Enterprise {
    /// Bumped by every change; send it back as `version` with `updateEnterprise` (a stale one is CONFLICT).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// False once deactivated with `updateEnterprise(input: { active: false })`; kept because cases and history refer to it.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Unified social credit code (统一社会信用代码, 18 characters, checked).
    async fn credit_code(&self) -> &str {
        &self.0.credit_code
    }
    /// Registered name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Industry.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    /// Above designated size (规上企业).
    async fn above_designated_size(&self) -> bool {
        self.0.above_designated_size
    }
    /// Handles hazardous chemicals (危化品).
    async fn hazardous_chemicals(&self) -> bool {
        self.0.hazardous_chemicals
    }
    /// Registered address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Grid it sits in.
    async fn grid(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Grid>> {
        Ok(loader::one::<grid::Entity>(ctx, self.0.grid_id).await?.map(Grid))
    }
    /// Platforms this enterprise came from, with their ids and versions.
    async fn sources(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::platform::RecordSource>> {
        Ok(crate::graphql::platform::to_sources(
            crate::graphql::loader::many(ctx, crate::graphql::platform::EnterpriseSources(self.0.id)).await?,
        ))
    }
    /// Contact people (names and phones masked).
    async fn contacts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<EnterpriseContact>> {
        Ok(loader::many(ctx, EnterpriseContacts(self.0.id))
            .await?
            .into_iter()
            .map(EnterpriseContact)
            .collect())
    }
    /// Cases about this enterprise, within the caller's scope.
    #[allow(clippy::too_many_arguments)]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Further filters.")] filter: Option<CaseFilterInput>,
        #[graphql(desc = "Order; null or absent means the default.")] sort: Option<CaseSort>,
    ) -> async_graphql::Result<CaseConnection> {
        let mut f = filter.unwrap_or_default().into_service()?;
        f.enterprise = Some(self.0.id);
        case_query::list(
            ctx,
            f,
            sort.unwrap_or_default(),
            page_args(first, after, last, before),
        )
        .await
    }
}

/// A contact person of an enterprise.
pub struct EnterpriseContact(pub enterprise_contact::Model);

impl EnterpriseContact {
    fn personal(&self, v: &str, kind: K, field: &'static str) -> PersonalField {
        PersonalField::new(
            v,
            kind,
            "EnterpriseContact",
            self.0.id,
            field,
            Category::EnterpriseContact,
            None,
        )
    }
}

/// A contact person of an enterprise.
#[Object]
impl EnterpriseContact {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Name (personal data).
    async fn name(&self) -> PersonalField {
        self.personal(&self.0.name, K::Name, "name")
    }
    /// Phone (personal data).
    async fn phone(&self) -> Option<PersonalField> {
        self.0
            .phone
            .as_deref()
            .map(|v| self.personal(v, K::Phone, "phone"))
    }
    /// Position in the enterprise.
    async fn position(&self) -> Option<&str> {
        self.0.position.as_deref()
    }
    /// The main contact.
    async fn is_primary(&self) -> bool {
        self.0.is_primary
    }
}

connection!(
    EnterpriseConnection,
    EnterpriseEdge,
    Enterprise,
    enterprise::Entity,
    "A page of enterprises.",
    "An enterprise with its cursor."
);

/// Filters for enterprise lists.
#[derive(InputObject, Default)]
pub struct EnterpriseFilterInput {
    /// In this grid or below.
    pub within_grid_id: Option<ID>,
    /// Industry, exact.
    pub industry: Option<String>,
    /// Above designated size.
    pub above_designated_size: Option<bool>,
    /// Handles hazardous chemicals.
    pub hazardous_chemicals: Option<bool>,
    /// Text in name or credit code.
    pub text: Option<String>,
}

impl EnterpriseFilterInput {
    /// Converts to the service filter.
    pub fn into_service(self) -> async_graphql::Result<EnterpriseFilter> {
        Ok(EnterpriseFilter {
            within_grid: self
                .within_grid_id
                .as_ref()
                .map(|i| parse_id("filter.withinGridId", i))
                .transpose()?,
            industry: self.industry,
            above_designated_size: self.above_designated_size,
            hazardous_chemicals: self.hazardous_chemicals,
            text: self.text,
        })
    }
}

/// Orders for enterprise lists.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnterpriseSort {
    /// By name (the default).
    #[default]
    NameAsc,
    /// Newest first.
    CreatedAtDesc,
    /// Most recently changed first.
    UpdatedAtDesc,
}

impl From<EnterpriseSort> for S {
    fn from(s: EnterpriseSort) -> Self {
        match s {
            EnterpriseSort::NameAsc => S::NameAsc,
            EnterpriseSort::CreatedAtDesc => S::CreatedAtDesc,
            EnterpriseSort::UpdatedAtDesc => S::UpdatedAtDesc,
        }
    }
}
