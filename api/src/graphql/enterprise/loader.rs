//! Enterprise loaders.

use entity::enterprise_contact;

use crate::{children_loader, service::enterprise as svc};

children_loader!(EnterpriseContacts, enterprise_contact::Model, svc::contacts);
