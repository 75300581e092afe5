//! Mediator loaders.

use crate::{children_loader, service::mediator as svc};

children_loader!(MediatorLanguages, String, svc::languages);
