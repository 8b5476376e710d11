//! Uploading a document to an item: a plain multipart form that works without JavaScript (the
//! server redirects back, naming a refusal in the address), and with JavaScript the same form
//! sent in the background with a progress bar, the refusal said by the field without leaving
//! the page, and the task list reloaded when the document is in.

use super::model::NeedView;
use crate::{
    i18n::{use_locale, use_texts},
    ui::pick,
};
use leptos::prelude::*;

/// What the bundle page shares with its upload forms: bumped when a background upload is in
/// (the page reloads the bundle), and the sentence the page's status line says.
#[derive(Clone, Copy)]
pub struct Uploads {
    pub version: RwSignal<u32>,
    pub notice: RwSignal<Option<&'static str>>,
}

impl Uploads {
    pub fn new() -> Self {
        Self {
            version: RwSignal::new(0),
            notice: RwSignal::new(None),
        }
    }
}

impl Default for Uploads {
    fn default() -> Self {
        Self::new()
    }
}

/// The upload form of one item.
#[component]
pub fn UploadForm(
    /// The task the document is for.
    task_id: String,
    /// The documents the item asks for: (need key, need).
    uploads: Vec<(String, NeedView)>,
    /// The refusal of the last plain post, in words (from the address).
    refusal: Option<String>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    let uploads_ctx = use_context::<Uploads>();
    // Percent sent while a background upload runs.
    let progress = RwSignal::new(None::<u32>);
    let refusal = RwSignal::new(refusal);
    let file_id = format!("document-{task_id}");
    let need_id = format!("need-{task_id}");
    let err_id = format!("{file_id}-error");
    let progress_id = format!("progress-{task_id}");
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if progress.get_untracked().is_some() {
                ev.prevent_default();
                return;
            }
            // Anything the browser cannot do in the background leaves the plain post to go.
            let form = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
            if let Some(form) = form {
                if send(&form, progress, refusal, uploads_ctx, t).is_ok() {
                    ev.prevent_default();
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, uploads_ctx);
    };
    let invalid = move || refusal.with(Option::is_some);
    view! {
        <form class="mz-form" method="post" enctype="multipart/form-data" action=format!("/upload/after-death/task/{task_id}") on:submit=on_submit>
            {if uploads.len() == 1 {
                view! { <input type="hidden" name="need" value=uploads[0].0.clone() /> }.into_any()
            } else {
                view! {
                    <div class="mz-field">
                        <label class="mz-field__label" for=need_id.clone()>{x.which_document}</label>
                        <select class="mz-field__input" id=need_id.clone() name="need">
                            {uploads.iter().map(|(k, n)| view! { <option value=k.clone()>{pick(locale, &n.name_zh, &n.name_en).to_owned()}</option> }).collect_view()}
                        </select>
                    </div>
                }.into_any()
            }}
            <div class="mz-field" class:mz-field--invalid=invalid>
                <label class="mz-field__label" for=file_id.clone()>{x.upload_label}</label>
                <p class="mz-field__hint" id=format!("{file_id}-hint")>{x.upload_hint}</p>
                <input class="mz-field__input" type="file" id=file_id.clone() name="document" accept="image/jpeg,image/png,application/pdf" required=true
                    aria-describedby=format!("{file_id}-hint {err_id}") aria-invalid=move || if invalid() { "true" } else { "false" } />
                <p class="mz-field__error" id=err_id role="alert">{move || refusal.get()}</p>
            </div>
            <div class="mz-upload" hidden=move || progress.with(Option::is_none)>
                <label class="mz-field__label" for=progress_id.clone()>{x.uploading}</label>
                <progress class="mz-upload__bar" id=progress_id.clone() max="100" value=move || progress.get().unwrap_or(0).to_string()>
                    {move || format!("{}%", progress.get().unwrap_or(0))}
                </progress>
            </div>
            <button class="mz-button" type="submit" disabled=move || progress.with(Option::is_some)>{x.upload}</button>
        </form>
    }
}

/// Sends the form in the background: the bar follows the bytes sent; the answer (JSON, asked
/// for with `Accept`) either reloads the bundle or puts the refusal by the field.
#[cfg(feature = "hydrate")]
fn send(
    form: &web_sys::HtmlFormElement,
    progress: RwSignal<Option<u32>>,
    refusal: RwSignal<Option<String>>,
    uploads: Option<Uploads>,
    t: &'static crate::i18n::Texts,
) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::{closure::Closure, JsCast};
    let x = t.after_death();
    let data = web_sys::FormData::new_with_form(form)?;
    let xhr = web_sys::XmlHttpRequest::new()?;
    xhr.open("POST", &form.action())?;
    xhr.set_request_header("Accept", "application/json")?;
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                let pct = (e.loaded() / e.total() * 100.0).clamp(0.0, 100.0) as u32;
                progress.set(Some(pct));
            }
        });
    xhr.upload()?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let answer = xhr.clone();
    let on_end = Closure::once_into_js(move || {
        // The progress callback lives until the answer, then goes.
        drop(on_progress);
        progress.set(None);
        let status = answer.status().unwrap_or(0);
        if (200..300).contains(&status) {
            refusal.set(None);
            if let Some(u) = uploads {
                u.notice.set(Some(x.uploaded));
                u.version.update(|v| *v += 1);
            }
            return;
        }
        let text = answer.response_text().ok().flatten().unwrap_or_default();
        let said = match serde_json::from_str::<crate::error::AppError>(&text) {
            Ok(e) => e.message(t),
            Err(_) if status == 413 => x.err_document_too_large.to_owned(),
            Err(_) => x.upload_failed.to_owned(),
        };
        if let Some(u) = uploads {
            u.notice.set(None);
        }
        refusal.set(Some(said));
    });
    xhr.set_onloadend(Some(on_end.unchecked_ref()));
    xhr.send_with_opt_form_data(Some(&data))?;
    progress.set(Some(0));
    if let Some(u) = uploads {
        u.notice.set(Some(x.uploading));
    }
    Ok(())
}
