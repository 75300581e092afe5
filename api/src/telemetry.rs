//! Logs, and OpenTelemetry traces when an operator asks for them.
//!
//! Traces are off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//! is set; then spans go over OTLP/HTTP to that collector — protobuf, or JSON with
//! `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` — in batches from a thread of their own, so a slow
//! or absent collector never holds a request up. Three kinds of span, each with the request
//! id: the HTTP request (`POST /graphql`), the GraphQL operation inside it, and each database
//! statement inside that (the SQL text with its `$1` placeholders — never the values, which
//! may be personal data).

use std::{sync::OnceLock, time::SystemTime};

use opentelemetry::{
    trace::{Span as _, SpanKind, Tracer as _, TracerProvider as _},
    KeyValue,
};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

use crate::config::Mode;

/// The trace pipeline, when traces are on.
struct Traces {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

static TRACES: OnceLock<Traces> = OnceLock::new();

/// Whether spans are exported (set at start-up).
pub fn enabled() -> bool {
    TRACES.get().is_some()
}

/// Sets up logging (`FENGQIAO_LOG`, JSON in production) and, when configured, trace export.
pub fn init(mode: Mode) {
    let filter = EnvFilter::try_from_env("FENGQIAO_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a terminal: a log written to a file or a pipe carries no escape codes.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let fmt = match mode {
        Mode::Production => fmt.json().with_filter(filter).boxed(),
        Mode::Development => fmt.with_filter(filter).boxed(),
    };
    let traces = match exporter() {
        Ok(Some(t)) => Some(t),
        Ok(None) => None,
        Err(e) => {
            eprintln!("traces are off: {e}");
            None
        }
    };
    let otel = traces.as_ref().map(|t| {
        tracing_opentelemetry::layer()
            .with_tracer(t.tracer.clone())
            .with_filter(EnvFilter::new("fengqiao_api=info"))
    });
    let _ = tracing_subscriber::registry().with(fmt).with(otel).try_init();
    if let Some(t) = traces {
        let _ = TRACES.set(t);
    }
}

fn exporter() -> Result<Option<Traces>, String> {
    let configured = [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty()));
    if !configured {
        return Ok(None);
    }
    let protocol = match std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref() {
        Err(_) | Ok("http/protobuf") => Protocol::HttpBinary,
        Ok("http/json") => Protocol::HttpJson,
        Ok(other) => {
            return Err(format!(
                "OTEL_EXPORTER_OTLP_PROTOCOL={other} is not supported; use http/protobuf (the \
                 collector's port 4318) or http/json"
            ))
        }
    };
    // The endpoint (with `/v1/traces` appended), headers and timeout come from the standard
    // OTEL_EXPORTER_OTLP_* variables.
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(protocol)
        .build()
        .map_err(|e| e.to_string())?;
    let mut resource = opentelemetry_sdk::Resource::builder();
    if std::env::var("OTEL_SERVICE_NAME").is_err() {
        resource = resource.with_service_name("fengqiao");
    }
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            resource
                .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
                .build(),
        )
        .build();
    let tracer = provider.tracer("fengqiao");
    Ok(Some(Traces { provider, tracer }))
}

/// Sends the spans still buffered (at exit).
pub fn flush() {
    if let Some(t) = TRACES.get() {
        if let Err(e) = t.provider.shutdown() {
            eprintln!("traces: {e}");
        }
    }
}

/// Records one finished database statement as a span under the current span (the GraphQL
/// operation or HTTP request that ran it). Called from the pool's metric callback.
pub fn statement(info: &sea_orm::metric::Info<'_>) {
    let Some(t) = TRACES.get() else {
        return;
    };
    // Only statements of a traced request: background work (the outbox worker's polling,
    // the janitor) would otherwise send a trace a second.
    let current = tracing::Span::current();
    if current.is_none() {
        return;
    }
    let end = SystemTime::now();
    let start = end.checked_sub(info.elapsed).unwrap_or(end);
    let parent = current.context();
    let sql = &info.statement.sql;
    let operation = sql
        .split_whitespace()
        .next()
        .unwrap_or("SQL")
        .to_ascii_uppercase();
    let system = match info.statement.db_backend {
        sea_orm::DbBackend::Postgres => "postgresql",
        sea_orm::DbBackend::Sqlite => "sqlite",
        _ => "other_sql",
    };
    let mut attributes = vec![
        KeyValue::new("db.system.name", system),
        KeyValue::new("db.operation.name", operation.clone()),
        KeyValue::new("db.query.text", sql.chars().take(2000).collect::<String>()),
    ];
    if info.failed {
        attributes.push(KeyValue::new("error.type", "db_error"));
    }
    if let Some(rid) = current_request_id() {
        attributes.push(KeyValue::new("request_id", rid));
    }
    let mut span = t
        .tracer
        .span_builder(format!("{operation} {system}"))
        .with_kind(SpanKind::Client)
        .with_start_time(start)
        .with_attributes(attributes)
        .start_with_context(&t.tracer, &parent);
    span.end_with_timestamp(end);
}

tokio::task_local! {
    /// The request id of the GraphQL operation this task runs (statements copy it).
    pub static REQUEST_ID: String;
}

fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}
