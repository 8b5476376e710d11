//! `Field`: label, input, hint and error, wired together for screen readers.

use crate::{
    error::AppError,
    i18n::{use_texts, Texts},
};
use leptos::prelude::*;

/// The error of one field from a server action's last result.
pub fn field_error<T, V>(value: V, field: &'static str) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let t = use_texts();
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) if e.field() == Some(field) => Some(e.message(t)),
            _ => None,
        })
    })
}

/// The error of a form that belongs to no field (e.g. "please sign in"), from a server action.
pub fn form_error<T, V>(value: V) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let t = use_texts();
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) if e.field().is_none() => Some(e.message(t)),
            _ => None,
        })
    })
}

/// A labelled input with its hint and its error.
///
/// The input's `id` and `name` are both `name`; the error and hint are linked through
/// `aria-describedby`, and `aria-invalid` is set while an error shows. A client-side `check`
/// gives instant feedback when the field loses focus; the server decides all the same.
#[component]
pub fn Field(
    /// The form field's name (and the input's id); server errors are matched by it.
    name: &'static str,
    /// The visible label.
    label: &'static str,
    /// A line under the label saying what to type.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// `type` of the input.
    #[prop(default = "text")]
    kind: &'static str,
    /// The initial value (e.g. what a no-JavaScript form typed before its error).
    #[prop(optional, into)]
    value: String,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] required: bool,
    /// The server's error for this field.
    #[prop(into, optional)]
    error: Signal<Option<String>>,
    /// A courtesy check run in the browser when the field loses focus.
    #[prop(optional)]
    check: Option<fn(&str, &'static Texts) -> Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let local = RwSignal::new(None::<String>);
    let shown = move || local.get().or_else(|| error.get());
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described = match hint {
        Some(_) => format!("{hint_id} {error_id}"),
        None => error_id.clone(),
    };
    let on_blur = move |ev: leptos::ev::FocusEvent| {
        if let Some(check) = check {
            let v = event_target_value(&ev);
            local.set(if v.trim().is_empty() {
                None
            } else {
                check(&v, t)
            });
        }
    };
    let on_input = move |_| {
        if local.with_untracked(Option::is_some) {
            local.set(None);
        }
    };
    view! {
        <div class="mz-field" class:mz-field--invalid=move || shown().is_some()>
            <label class="mz-field__label" for=name>{label}</label>
            {hint.map(|h| view! { <p class="mz-field__hint" id=hint_id.clone()>{h}</p> })}
            <input
                class="mz-field__input"
                id=name
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                inputmode=inputmode
                maxlength=maxlength
                required=required
                aria-describedby=described
                aria-invalid=move || if shown().is_some() { "true" } else { "false" }
                on:blur=on_blur
                on:input=on_input
            />
            <p class="mz-field__error" id=error_id role="alert">{shown}</p>
        </div>
    }
}

/// What a no-JavaScript form typed before its error (empty in the browser and on a clean visit).
pub fn typed(form: &str) -> std::collections::BTreeMap<String, String> {
    #[cfg(feature = "ssr")]
    {
        crate::web::typed_values(form)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = form;
        Default::default()
    }
}

/// A form-level error line (errors that belong to no single field).
#[component]
pub fn FormError(
    /// The message, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! { <p class="mz-form__error" role="alert">{move || error.get()}</p> }
}
