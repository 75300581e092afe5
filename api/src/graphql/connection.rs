//! Relay connection types, generated once per node type.

use async_graphql::SimpleObject;

/// Where a page sits in its list (Relay `PageInfo`).
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// True when more rows follow the last edge.
    pub has_next_page: bool,
    /// True when rows precede the first edge.
    pub has_previous_page: bool,
    /// Cursor of the first edge, if any.
    pub start_cursor: Option<String>,
    /// Cursor of the last edge, if any.
    pub end_cursor: Option<String>,
}

/// Declares `$conn` and `$edge` for node `$node` over entity `$entity`.
#[macro_export]
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $entity:ty, $conn_doc:literal, $edge_doc:literal) => {
        #[doc = $conn_doc]
        pub struct $conn {
            edges: Vec<$edge>,
            page_info: $crate::graphql::connection::PageInfo,
            query: sea_orm::Select<$entity>,
        }

        #[doc = $edge_doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this row, for `after`/`before`.
            pub cursor: String,
            /// The row.
            pub node: $node,
        }

        #[doc = $conn_doc]
        #[async_graphql::Object]
        impl $conn {
            /// The rows of this page with their cursors.
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }

            /// The rows of this page, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|e| &e.node).collect()
            }

            /// Where this page sits in the list.
            async fn page_info(&self) -> &$crate::graphql::connection::PageInfo {
                &self.page_info
            }

            /// How many rows match the filter within the caller's scope (one count query, run only when asked).
            async fn total_count(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<u64> {
                use sea_orm::PaginatorTrait;
                let db = $crate::graphql::db(ctx)?;
                Ok(self
                    .query
                    .clone()
                    .count(db)
                    .await
                    .map_err($crate::error::AppError::from)?)
            }
        }

        impl $conn {
            /// Wraps a service listing.
            pub fn from_listing(
                listing: $crate::service::pagination::Listing<$entity>,
                node: impl Fn(<$entity as sea_orm::EntityTrait>::Model) -> $node,
            ) -> Self {
                let page = listing.page;
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .map(|(cursor, m)| $edge {
                        cursor,
                        node: node(m),
                    })
                    .collect();
                let page_info = $crate::graphql::connection::PageInfo {
                    has_next_page: page.has_next,
                    has_previous_page: page.has_previous,
                    start_cursor: edges.first().map(|e| e.cursor.clone()),
                    end_cursor: edges.last().map(|e| e.cursor.clone()),
                };
                $conn {
                    edges,
                    page_info,
                    query: listing.query,
                }
            }
        }
    };
}
