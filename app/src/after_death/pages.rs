//! Pages of the after-death one-thing: the service page (my applications), the application in
//! three steps (the deceased · the questionnaire · review and submit, each with its main action
//! on the first screen), the bundle's task list with uploads, and the departments' queue, task
//! and payment pages. Calm wording, no bright colours; every form works without JavaScript.

use super::{
    api::{
        AcceptJoin, Act, DeceasedStep, Pay, QuestionsStep, RequestJoin, Resubmit, SecondApprove,
        Submit, WithNow,
    },
    model::{
        department_name, status_for_family, status_for_staff, ApplyForm, BundleView, ItemPreview,
        PaymentView, QueueItem, Relationship, StaffTaskView, TaskView,
    },
    policy::{BurialForm, TaskStatus},
};
use crate::{
    i18n::{use_locale, use_texts, Texts},
    identity::Role,
    staff::pages::StaffBar,
    ui::{
        error_line, field_error, form_error, format, pick, typed, Field, FormError, Page,
        RequireResident, RequireStaff,
    },
};
use leptos::prelude::*;
use leptos_router::{
    any_nested_route::IntoAnyNestedRoute,
    components::Route,
    hooks::{use_params_map, use_query_map},
    path, SsrMode,
};

crate::lazy_page!(resident, AfterDeathHomeRoute, AfterDeathHomePage);
crate::lazy_page!(resident, ApplyRoute, ApplyPage);
crate::lazy_page!(resident, BundleRoute, BundlePage);
crate::lazy_page!(staff, QueueRoute, QueuePage);
crate::lazy_page!(staff, StaffTaskRoute, StaffTaskPage);
crate::lazy_page!(staff, PaymentsRoute, PaymentsPage);

/// The routes of this service.
#[component(transparent)]
pub fn AfterDeathRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/after-death") view=AfterDeathHomeRoute ssr=SsrMode::Async />
        <Route path=path!("/after-death/apply") view=ApplyRoute ssr=SsrMode::Async />
        <Route path=path!("/after-death/bundle/:id") view=BundleRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/after-death") view=QueueRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/after-death/task/:id") view=StaffTaskRoute ssr=SsrMode::Async />
        <Route path=path!("/staff/after-death/payments") view=PaymentsRoute ssr=SsrMode::Async />
    }
    .into_inner()
    .into_any_nested_route()
}

/// 身后事一件事: what it is, and my applications.
#[component]
fn AfterDeathHomePage() -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let q = use_query_map();
    let asked = q.with_untracked(|q| q.get("asked").is_some());
    // Created once per page, outside the guard: the guard's view may run more than once.
    let bundles = Resource::new(|| (), |_| super::api::my_bundles());
    view! {
        <Page title=x.title.to_string()>
            <p class="mz-lead">{x.lead}</p>
            {asked.then(|| view! { <p class="mz-notice" role="status">{x.asked}</p> })}
            <p><a class="mz-button mz-button--primary" href="/after-death/apply">{x.start}</a></p>
            <RequireResident view=move |_| {
                view! {
                    <section class="mz-section" aria-labelledby="mine-h">
                        <h2 id="mine-h">{x.mine}</h2>
                        <Suspense>
                            {move || Suspend::new(async move {
                                match bundles.await {
                                    Ok(WithNow { data, .. }) if data.is_empty() => view! { <p class="mz-empty">{x.none_yet}</p> }.into_any(),
                                    Ok(WithNow { data, .. }) => view! {
                                        <ul class="mz-list">
                                            {data.into_iter().map(|b| {
                                                let waiting = b.tasks.iter().filter(|t| t.status == TaskStatus::Returned).count();
                                                let done = b.tasks.iter().filter(|t| t.status.is_final()).count();
                                                let total = b.tasks.len();
                                                view! {
                                                    <li class="mz-list__item">
                                                        <h3 class="mz-list__title"><a href=format!("/after-death/bundle/{}", b.id)>{b.deceased_name.clone()}</a></h3>
                                                        <p class="mz-list__meta">
                                                            {x.reference}" "<span class="mz-nowrap">{b.reference.clone()}</span>" · "
                                                            <span class="mz-nowrap">{x.progress(&done.to_string(), &total.to_string())}</span>
                                                            {(waiting > 0).then(|| view! { " · "<strong>{x.waiting_on_you(&waiting.to_string())}</strong> })}
                                                        </p>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }.into_any(),
                                    Err(e) => error_line(e, t),
                                }
                            })}
                        </Suspense>
                    </section>
                }
            } />
            <section class="mz-section" aria-labelledby="how-h">
                <h2 id="how-h">{x.how_title}</h2>
                <ol class="mz-steps-list">
                    <li>{x.how_1}</li>
                    <li>{x.how_2}</li>
                    <li>{x.how_3}</li>
                </ol>
                <p class="mz-note">{x.how_note}</p>
            </section>
        </Page>
    }
}

/// Where the applicant is: "第 2 步，共 3 步：情况问卷".
#[component]
fn StepLine(n: u32, name: &'static str) -> impl IntoView {
    let x = use_texts().after_death();
    view! { <p class="mz-stepline">{x.step_of(&n.to_string(), "3")}" "<strong>{name}</strong></p> }
}

/// The application in three steps (`?step=deceased|questions|review`, and `exists`).
#[component]
fn ApplyPage() -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let q = use_query_map();
    // The step follows the address (with JavaScript each step is a client-side navigation), and
    // the draft is read again at every step.
    let step = Memo::new(move |_| q.with(|q| q.get("step").unwrap_or_default()));
    let holder = Memo::new(move |_| q.with(|q| q.get("holder").unwrap_or_default()));
    let form = Resource::new(move || step.get(), |_| super::api::application_form());
    view! {
        <Page title=x.apply_title.to_string()>
            <RequireResident view=move |me| {
                view! {
                    {me.real_name.is_none().then(|| view! {
                        <p class="mz-alert" role="alert">{x.err_real_name}" "<a href="/account/realname?next=/after-death/apply">{t.account().real_name_title}</a></p>
                    })}
                    <Suspense>
                        {move || {
                            let step = step.get();
                            let holder = holder.get();
                            Suspend::new(async move {
                                match form.await {
                                    Ok(f) => match step.as_str() {
                                        "questions" if f.draft.is_some() => view! { <QuestionsStepView f=f /> }.into_any(),
                                        "review" if f.draft.as_ref().is_some_and(|d| d.answers.is_some()) => view! { <ReviewStepView f=f /> }.into_any(),
                                        "exists" => view! { <ExistsView holder=holder /> }.into_any(),
                                        _ => view! { <DeceasedStepView f=f /> }.into_any(),
                                    },
                                    Err(e) => error_line(e, t),
                                }
                            })
                        }}
                    </Suspense>
                }
            } />
        </Page>
    }
}

#[component]
fn DeceasedStepView(f: ApplyForm) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    let action = ServerAction::<DeceasedStep>::new();
    let typed = typed("after_death_deceased");
    let d = f.draft.as_ref().map(|d| d.deceased.clone());
    let value = |k: &str, from_draft: Option<String>| {
        typed.get(k).cloned().or(from_draft).unwrap_or_default()
    };
    let name = value("deceased_name", d.as_ref().map(|d| d.name.clone()));
    let died = value("died_on", d.as_ref().map(|d| format::iso_day(d.died_on)));
    let cert = value(
        "certificate_no",
        d.as_ref().map(|d| d.certificate_no.clone()),
    );
    let id_number = value("deceased_id_number", None);
    let rel = value(
        "relationship",
        d.as_ref().map(|d| d.relationship.as_str().to_owned()),
    );
    let district = value("district", d.as_ref().map(|d| d.district.clone()));
    let id_hint = d.as_ref().map(|d| x.id_again(&d.id_number_masked));
    view! {
        <StepLine n=1 name=x.step_deceased />
        <ActionForm action=action attr:class="mz-form">
            <FormError error=form_error(action.value()) />
            <Field name="deceased_name" label=x.deceased_name autocomplete="off" value=name required=true error=field_error(action.value(), "deceased_name") />
            <Field name="deceased_id_number" label=x.deceased_id_number hint=x.deceased_id_hint autocomplete="off" maxlength=18 value=id_number required=true error=field_error(action.value(), "deceased_id_number") />
            {id_hint.map(|h| view! { <p class="mz-note">{h}</p> })}
            <Field name="died_on" label=x.died_on kind="date" value=died required=true error=field_error(action.value(), "died_on") />
            <Field name="certificate_no" label=x.certificate_no hint=x.certificate_hint autocomplete="off" value=cert required=true error=field_error(action.value(), "certificate_no") />
            <div class="mz-field">
                <label class="mz-field__label" for="relationship">{x.relationship}</label>
                <select class="mz-field__input" id="relationship" name="relationship" aria-describedby="relationship-error">
                    {Relationship::ALL.into_iter().map(|r| {
                        let selected = rel == r.as_str();
                        view! { <option value=r.as_str() selected=selected>{r.text(t)}</option> }
                    }).collect_view()}
                </select>
                <p class="mz-field__error" id="relationship-error" role="alert">{field_error(action.value(), "relationship")}</p>
            </div>
            <div class="mz-field">
                <label class="mz-field__label" for="district">{x.district}</label>
                <select class="mz-field__input" id="district" name="district" aria-describedby="district-error">
                    {f.districts.iter().map(|c| {
                        let selected = district == c.key;
                        view! { <option value=c.key.clone() selected=selected>{pick(locale, &c.name_zh, &c.name_en).to_owned()}</option> }
                    }).collect_view()}
                </select>
                <p class="mz-field__error" id="district-error" role="alert">{field_error(action.value(), "district")}</p>
            </div>
            <button class="mz-button mz-button--primary" type="submit">{x.next}</button>
        </ActionForm>
    }
}

#[component]
fn QuestionsStepView(f: ApplyForm) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    let action = ServerAction::<QuestionsStep>::new();
    let a = f
        .draft
        .as_ref()
        .and_then(|d| d.answers.clone())
        .unwrap_or_default();
    let name = f
        .draft
        .as_ref()
        .map(|d| d.deceased.name.clone())
        .unwrap_or_default();
    let boxes: [(&'static str, &'static str, bool); 8] = [
        ("pension", x.q_pension, a.pension),
        (
            "medical_insurance",
            x.q_medical_insurance,
            a.medical_insurance,
        ),
        ("dibao", x.q_dibao, a.dibao),
        ("tekun", x.q_tekun, a.tekun),
        ("aged_allowance", x.q_aged_allowance, a.aged_allowance),
        ("disability_card", x.q_disability_card, a.disability_card),
        ("veteran", x.q_veteran, a.veteran),
        ("housing_fund", x.q_housing_fund, a.housing_fund),
    ];
    view! {
        <StepLine n=2 name=x.step_questions />
        <ActionForm action=action attr:class="mz-form">
            <FormError error=form_error(action.value()) />
            <fieldset class="mz-fieldset">
                <legend>{x.q_legend(&name)}</legend>
                {boxes.into_iter().map(|(k, label, on)| view! {
                    <label class="mz-check"><input type="checkbox" name=k value="on" checked=on />" "{label}</label>
                }).collect_view()}
            </fieldset>
            <fieldset class="mz-fieldset" aria-describedby="burial-error">
                <legend>{x.q_burial}</legend>
                {BurialForm::ALL.into_iter().map(|b| {
                    let checked = a.burial == b;
                    view! { <label class="mz-check"><input type="radio" name="burial" value=b.as_str() checked=checked />" "{pick(locale, b.name_zh(), b.name_en()).to_owned()}</label> }
                }).collect_view()}
                <p class="mz-field__error" id="burial-error" role="alert">{field_error(action.value(), "burial")}</p>
            </fieldset>
            <button class="mz-button mz-button--primary" type="submit">{x.next}</button>
        </ActionForm>
        <p><a class="mz-link" href="/after-death/apply?step=deceased">{x.back_deceased}</a></p>
    }
}

/// One item as the review lists it.
#[component]
fn ItemLine(i: ItemPreview) -> impl IntoView {
    let x = use_texts().after_death();
    let locale = use_locale();
    let reasons = i
        .reasons
        .iter()
        .map(|r| pick(locale, &r.zh, &r.en).to_owned())
        .collect::<Vec<_>>()
        .join(pick(locale, "；", "; "));
    view! {
        <li class="mz-list__item" data-item=i.key.clone()>
            <h3 class="mz-list__title">{pick(locale, &i.name_zh, &i.name_en).to_owned()}</h3>
            <p class="mz-list__meta">{department_name(i.department, locale)}" · "<span class="mz-nowrap">{x.limit_is(pick(locale, &i.limit.zh(), &i.limit.en()))}</span></p>
            <p>{x.because}" "{reasons}</p>
            {i.amount.map(|a| view! {
                <p><span class="mz-nowrap">{x.amount_up_to(&format::money(a.total(), locale))}</span>{a.demo.then(|| view! { " "<span class="mz-badge">{x.demo_value}</span> })}</p>
                <ul class="mz-parts">{a.parts.into_iter().map(|p| view! { <li>{pick(locale, &p.name_zh, &p.name_en).to_owned()}" "<span class="mz-nowrap">{format::money(p.fen, locale)}</span></li> }).collect_view()}</ul>
            })}
            {(!i.needs.is_empty()).then(|| view! { <NeedsList needs=i.needs.clone() /> })}
        </li>
    }
}

/// What an item needs: uploads (自备) and data the department already has (数据共享).
#[component]
fn NeedsList(needs: Vec<super::model::NeedView>) -> impl IntoView {
    let x = use_texts().after_death();
    let locale = use_locale();
    view! {
        <ul class="mz-needs">
            {needs.into_iter().map(|n| {
                let kind = if n.upload_key.is_some() { x.need_upload } else { x.need_shared };
                view! { <li><span class="mz-badge">{kind}</span>" "{pick(locale, &n.name_zh, &n.name_en).to_owned()}</li> }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn ReviewStepView(f: ApplyForm) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    let action = ServerAction::<Submit>::new();
    let typed = typed("after_death_submit");
    let d = f.draft.clone().map(|d| d.deceased);
    let (applying, not_applying): (Vec<_>, Vec<_>) = f.items.into_iter().partition(|i| i.applies);
    let count = applying.len();
    view! {
        <StepLine n=3 name=x.step_review />
        <ActionForm action=action attr:class="mz-form">
            <FormError error=form_error(action.value()) />
            <input type="hidden" name="idem_key" value=f.key.clone() />
            {f.needs_account.then(|| view! {
                <fieldset class="mz-fieldset">
                    <legend>{x.account_legend}</legend>
                    <Field name="account_name" label=x.account_name autocomplete="name" value=typed.get("account_name").cloned().unwrap_or_default() error=field_error(action.value(), "account_name") />
                    <Field name="account_card" label=x.account_card inputmode="numeric" autocomplete="off" maxlength=23 value=typed.get("account_card").cloned().unwrap_or_default() error=field_error(action.value(), "account_card") />
                </fieldset>
            })}
            <button class="mz-button mz-button--primary" type="submit">{x.submit(&count.to_string())}</button>
            // After the button on purpose: the default suits most families, and the step's
            // main action stays on an elder's first screen.
            <fieldset class="mz-fieldset" aria-describedby="hours_to-error">
                <legend>{x.hours_to_legend}</legend>
                <label class="mz-check"><input type="radio" name="hours_to" value="me" checked=true />" "{x.hours_to_me}</label>
                <label class="mz-check"><input type="radio" name="hours_to" value="fund" />" "{x.hours_to_fund}</label>
                <p class="mz-field__error" id="hours_to-error" role="alert">{field_error(action.value(), "hours_to")}</p>
            </fieldset>
        </ActionForm>
        {d.map(|d| view! {
            <dl class="mz-facts">
                <dt>{x.deceased_name}</dt><dd>{d.name.clone()}</dd>
                <dt>{x.deceased_id_number}</dt><dd class="mz-nowrap">{d.id_number_masked.clone()}</dd>
                <dt>{x.died_on}</dt><dd>{format::day(d.died_on, locale)}</dd>
            </dl>
        })}
        <section class="mz-section" aria-labelledby="apply-h">
            <h2 id="apply-h">{x.items_apply(&count.to_string())}</h2>
            {f.policy_demo.then(|| view! { <p class="mz-note">{x.policy_demo(&f.policy_version)}</p> })}
            <ul class="mz-list">{applying.into_iter().map(|i| view! { <ItemLine i=i /> }).collect_view()}</ul>
        </section>
        {(!not_applying.is_empty()).then(|| view! {
            <details class="mz-explain">
                <summary>{x.items_not_apply(&not_applying.len().to_string())}</summary>
                <ul class="mz-list">{not_applying.into_iter().map(|i| view! { <ItemLine i=i /> }).collect_view()}</ul>
            </details>
        })}
        <p><a href="/rules/after-death#items">{x.rules_link}</a></p>
        <p><a class="mz-link" href="/after-death/apply?step=questions">{x.back_questions}</a></p>
    }
}

/// Another relative holds this person's bundle: say who (masked), offer to be added.
#[component]
fn ExistsView(holder: String) -> impl IntoView {
    let x = use_texts().after_death();
    let action = ServerAction::<RequestJoin>::new();
    view! {
        <p class="mz-notice" role="status">{x.exists(&holder)}</p>
        <ActionForm action=action attr:class="mz-form">
            <FormError error=form_error(action.value()) />
            <p class="mz-field__error" role="alert">{field_error(action.value(), "join")}</p>
            <button class="mz-button mz-button--primary" type="submit">{x.ask_join}</button>
        </ActionForm>
        <p class="mz-note">{x.exists_note}</p>
    }
}

/// The family's task list: every item, its department, status, due date, and what to do next.
#[component]
fn BundlePage() -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let params = use_params_map();
    let q = use_query_map();
    let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let fresh = q.with_untracked(|q| q.get("new").is_some());
    let upload_error = q.with_untracked(|q| q.get("task").zip(q.get("upload_error")));
    let resubmit = ServerAction::<Resubmit>::new();
    let accept = ServerAction::<AcceptJoin>::new();
    let uploads = super::upload::Uploads::new();
    provide_context(uploads);
    let bundle = Resource::new(
        move || {
            (
                resubmit.version().get(),
                accept.version().get(),
                uploads.version.get(),
            )
        },
        move |_| super::api::bundle(id.clone()),
    );
    view! {
        <Page title=x.bundle_title.to_string()>
            {fresh.then(|| view! { <p class="mz-notice" role="status">{x.submitted}</p> })}
            // What a background upload is doing, said once (the task list reloads after it); the
            // live region is always there, so the first sentence put in it is announced.
            <p role="status" class:mz-notice=move || uploads.notice.with(Option::is_some)>{move || uploads.notice.get()}</p>
            <RequireResident view=move |_| {
                let upload_error = upload_error.clone();
                view! {
                    <Suspense>
                        {move || {
                            let upload_error = upload_error.clone();
                            Suspend::new(async move {
                                match bundle.await {
                                    Ok(b) => view! { <BundleBody b=b.data now=b.now upload_error=upload_error resubmit=resubmit accept=accept /> }.into_any(),
                                    Err(e) => error_line(e, t),
                                }
                            })
                        }}
                    </Suspense>
                }
            } />
        </Page>
    }
}

/// An upload refusal named in the address (the no-JavaScript upload's redirect), in words.
fn upload_message(name: &str, t: &'static Texts) -> Option<String> {
    let r: super::model::Refusal =
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()?;
    Some(crate::error::Refusal::message(&r, t))
}

#[component]
fn BundleBody(
    b: BundleView,
    now: i64,
    upload_error: Option<(String, String)>,
    resubmit: ServerAction<Resubmit>,
    accept: ServerAction<AcceptJoin>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    let case_id = b.id.clone();
    let joins = b.join_requests.clone();
    let waiting = b
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Returned)
        .count();
    view! {
        <p class="mz-lead">{x.bundle_lead(&b.deceased_name)}</p>
        <dl class="mz-facts">
            <dt>{x.reference}</dt><dd class="mz-nowrap" data-testid="reference">{b.reference.clone()}</dd>
            <dt>{x.deceased_id_number}</dt><dd class="mz-nowrap">{b.deceased_id_masked.clone()}</dd>
            <dt>{x.died_on}</dt><dd>{format::day(b.died_on, locale)}</dd>
            <dt>{x.district}</dt><dd>{pick(locale, &b.district_zh, &b.district_en).to_owned()}</dd>
            {b.account_masked.clone().map(|a| view! { <dt>{x.account_card}</dt><dd class="mz-nowrap">{a}</dd> })}
        </dl>
        {(waiting > 0).then(|| view! { <p class="mz-notice" role="status"><strong>{x.waiting_on_you(&waiting.to_string())}</strong></p> })}
        {(!b.join_requests.is_empty()).then({
            let case_id = case_id.clone();
            move || {
            view! {
                <section class="mz-section" aria-labelledby="join-h">
                    <h2 id="join-h">{x.join_requests}</h2>
                    {joins.into_iter().map(|j| {
                        let case_id = case_id.clone();
                        view! {
                            <ActionForm action=accept attr:class="mz-form">
                                <input type="hidden" name="case_id" value=case_id />
                                <input type="hidden" name="resident_id" value=j.resident_id.clone() />
                                <p>{j.name_masked.clone()}" · "{j.relationship.text(t)}</p>
                                <button class="mz-button" type="submit">{x.accept_join}</button>
                            </ActionForm>
                        }
                    }).collect_view()}
                </section>
            }
        }})}
        <section class="mz-section" aria-labelledby="tasks-h">
            <h2 id="tasks-h">{x.tasks_title(&b.tasks.len().to_string())}</h2>
            {b.tasks.into_iter().map(|task| {
                let err = upload_error.as_ref().filter(|(id, _)| *id == task.id).and_then(|(_, e)| upload_message(e, t));
                view! { <FamilyTask task=task case_id=case_id.clone() now=now upload_error=err resubmit=resubmit /> }
            }).collect_view()}
        </section>
        <FollowUpsSection f=b.follow_ups.clone() deceased_account=b.deceased_account.clone() />
        <p class="mz-note">{x.privacy_note}</p>
    }
}

/// 本平台随之办理: what the platform settled by itself once the death was accepted, each with
/// its day; before that, what it will do.
#[component]
fn FollowUpsSection(
    f: Option<crate::life::model::FollowUps>,
    deceased_account: Option<String>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    view! {
        <section class="mz-section" aria-labelledby="follow-h">
            <h2 id="follow-h">{x.follow_title}</h2>
            {match f {
                None => view! { <p class="mz-note">{x.follow_waiting}</p> }.into_any(),
                Some(f) if !f.had_account => view! { <p class="mz-note">{x.follow_none}</p> }.into_any(),
                Some(f) => view! {
                    <p class="mz-note">{x.follow_lead}</p>
                    <ul class="mz-list">
                        {f.lines.into_iter().map(|l| view! {
                            <li class="mz-list__item" data-step=l.step.clone()>
                                <span>{l.text}</span>
                                <span class="mz-list__meta">{x.done_on(&format::instant_at(
                                    chrono::DateTime::from_timestamp(l.done_at, 0).unwrap_or_default(), locale))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                    <p role="status"><strong>{if f.done_at.is_some() { x.follow_done } else { x.follow_pending }}</strong></p>
                    {deceased_account.map(|id| view! {
                        <p><a class="mz-link" href=format!("/timebank/statement?of={id}")>{x.follow_record}</a></p>
                    })}
                }.into_any(),
            }}
        </section>
    }
}

/// One task as the family sees it.
#[component]
fn FamilyTask(
    task: TaskView,
    case_id: String,
    now: i64,
    upload_error: Option<String>,
    resubmit: ServerAction<Resubmit>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    let h = format!("task-{}", task.id);
    let accepting = matches!(
        task.status,
        TaskStatus::Submitted | TaskStatus::Accepted | TaskStatus::Returned
    );
    let uploads: Vec<_> = task
        .needs
        .iter()
        .filter_map(|n| n.upload_key.clone().map(|k| (k, n.clone())))
        .collect();
    let due = if task.status.is_final() {
        None
    } else if task.paused {
        Some(x.paused.to_owned())
    } else {
        Some(x.due_by(&format::deadline(task.due_at, locale)))
    };
    let overdue = !task.paused && !task.status.is_final() && task.due_at < now;
    let next = match task.status {
        TaskStatus::Returned => Some(x.next_returned),
        TaskStatus::Approved => Some(x.next_approved),
        TaskStatus::Submitted | TaskStatus::Accepted | TaskStatus::Resubmitted
            if uploads.iter().any(|(_, n)| n.uploaded == 0) =>
        {
            Some(x.next_upload)
        }
        _ => None,
    };
    let resubmit_err = field_error(resubmit.value(), "task");
    let task_id = task.id.clone();
    view! {
        <article class="mz-case" id=h.clone() aria-labelledby=format!("{h}-h") data-status=task.status.as_str()>
            <h3 id=format!("{h}-h")>{pick(locale, &task.name_zh, &task.name_en).to_owned()}</h3>
            <p class="mz-list__meta">{department_name(task.department, locale)}</p>
            <p class="mz-status">{x.status}": "<strong data-testid="task-status">{status_for_family(task.status, t)}</strong></p>
            {due.map(|d| view! { <p class="mz-nowrap-ok">{d}{overdue.then(|| view! { " "<span class="mz-badge">{x.overdue}</span> })}</p> })}
            {task.reason.clone().filter(|_| matches!(task.status, TaskStatus::Returned | TaskStatus::Rejected)).map(|r| view! { <p class="mz-note">{x.reason}": "{r}</p> })}
            {task.approved.map(|a| view! { <p>{x.approved_amount}": "<span class="mz-nowrap">{format::money(a, locale)}</span></p> })}
            {task.paid_on.map(|d| view! { <p data-testid="paid-on"><strong>{x.paid_on(&format::day(d, locale))}</strong></p> })}
            {next.map(|n| view! { <p><strong>{n}</strong></p> })}
            {(!task.needs.is_empty()).then(|| view! { <NeedsList needs=task.needs.clone() /> })}
            {(!task.documents.is_empty()).then(|| view! {
                <ul class="mz-docs">
                    {task.documents.iter().enumerate().map(|(i, d)| view! {
                        <li><a href=format!("/after-death/document/{}", d.id)>{x.document_n(&d.kind.to_uppercase(), &(i + 1).to_string())}</a></li>
                    }).collect_view()}
                </ul>
            })}
            {(accepting && !uploads.is_empty()).then(|| view! {
                <super::upload::UploadForm task_id=task.id.clone() uploads=uploads.clone() refusal=upload_error.clone() />
            })}
            {(task.status == TaskStatus::Returned).then(|| view! {
                <ActionForm action=resubmit attr:class="mz-form">
                    <input type="hidden" name="case_id" value=case_id.clone() />
                    <input type="hidden" name="task_id" value=task_id.clone() />
                    <p class="mz-field__error" role="alert">{resubmit_err}</p>
                    <button class="mz-button mz-button--primary" type="submit">{x.resubmit}</button>
                </ActionForm>
            })}
        </article>
    }
}

/// 待办队列: the department's tasks, overdue first; cards on a phone.
#[component]
fn QueuePage() -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let items = Resource::new(|| (), |_| super::api::queue());
    view! {
        <RequireStaff view=move |staff| {
            let allowed = matches!(staff.role, Role::FuneralReviewer | Role::DepartmentOfficer);
            view! {
                <Page title=x.queue_title.to_string()>
                    <StaffBar me=staff.clone() />
                    {(staff.role == Role::FuneralReviewer).then(|| view! { <p><a class="mz-link" href="/staff/after-death/payments">{x.desk_payments}</a></p> })}
                    {allowed.then(|| view! {
                        <Suspense>
                            {move || Suspend::new(async move {
                                match items.await {
                                    Ok(WithNow { data, .. }) if data.is_empty() => view! { <p class="mz-empty">{x.queue_empty}</p> }.into_any(),
                                    Ok(WithNow { data, .. }) => view! { <QueueList items=data /> }.into_any(),
                                    Err(e) => error_line(e, t),
                                }
                            })}
                        </Suspense>
                    })}
                </Page>
            }
        } />
    }
}

#[component]
fn QueueList(items: Vec<QueueItem>) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    view! {
        <ul class="mz-list">
            {items.into_iter().map(|i| view! {
                <li class="mz-list__item" data-overdue=i.overdue.to_string()>
                    <h2 class="mz-list__title"><a href=format!("/staff/after-death/task/{}", i.task_id)>{pick(locale, &i.name_zh, &i.name_en).to_owned()}</a></h2>
                    <p class="mz-list__meta">
                        <span class="mz-nowrap">{i.reference.clone()}</span>" · "{i.deceased_name.clone()}" · "{status_for_staff(i.status, t)}
                    </p>
                    <p>
                        {if i.paused { x.paused_staff.to_owned() } else { x.due_by(&format::deadline(i.due_at, locale)) }}
                        {i.overdue.then(|| view! { " "<span class="mz-badge">{x.overdue}</span> })}
                    </p>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// One task for its department: the facts, documents, history and the decisions its state allows.
#[component]
fn StaffTaskPage() -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let act = ServerAction::<Act>::new();
    let second = ServerAction::<SecondApprove>::new();
    let task = Resource::new(
        move || (act.version().get(), second.version().get()),
        move |_| super::api::staff_task(id.clone()),
    );
    view! {
        <RequireStaff view=move |staff| {
            view! {
                <Page title=x.task_title.to_string()>
                    <StaffBar me=staff.clone() />
                    <p><a class="mz-link" href="/staff/after-death">{x.back_queue}</a></p>
                    <Suspense>
                        {move || Suspend::new(async move {
                            match task.await {
                                Ok(v) => view! { <StaffTaskBody v=v.data act=act second=second /> }.into_any(),
                                Err(e) => error_line(e, t),
                            }
                        })}
                    </Suspense>
                </Page>
            }
        } />
    }
}

#[component]
fn StaffTaskBody(
    v: StaffTaskView,
    act: ServerAction<Act>,
    second: ServerAction<SecondApprove>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    let task = v.task.clone();
    let typed = typed("after_death_act");
    // One key per state of the task: a double click of the same decision is applied once, a
    // later decision (after the task moved on) is a new command.
    let key_base = format!("{}-{}", task.id, v.history.len());
    let status = task.status;
    let can_decide = matches!(status, TaskStatus::Accepted | TaskStatus::Resubmitted);
    let form = |action: &'static str, label: &'static str, primary: bool, extra: AnyView| {
        let task_id = v.task.id.clone();
        let idem = format!("{key_base}-{action}");
        view! {
            <ActionForm action=act attr:class="mz-form">
                <input type="hidden" name="task_id" value=task_id />
                <input type="hidden" name="action" value=action />
                <input type="hidden" name="idem_key" value=idem />
                {extra}
                <button class=if primary { "mz-button mz-button--primary" } else { "mz-button" } type="submit">{label}</button>
            </ActionForm>
        }
    };
    let reason_field = |name_suffix: &'static str| {
        let id = format!("reason-{name_suffix}");
        view! {
            <div class="mz-field">
                <label class="mz-field__label" for=id.clone()>{x.reason}</label>
                <textarea class="mz-field__input" id=id name="reason" rows="3">{typed.get("reason").cloned().unwrap_or_default()}</textarea>
            </div>
        }
        .into_any()
    };
    let cap = task
        .cap
        .map(|c| c.plain().replace(',', ""))
        .unwrap_or_default();
    view! {
        <h2>{pick(locale, &task.name_zh, &task.name_en).to_owned()}</h2>
        <p class="mz-status">{x.status}": "<strong data-testid="task-status">{status_for_staff(status, t)}</strong></p>
        <dl class="mz-facts">
            <dt>{x.reference}</dt><dd class="mz-nowrap">{v.reference.clone()}</dd>
            <dt>{x.deceased_name}</dt><dd>{v.deceased_name.clone()}</dd>
            <dt>{x.deceased_id_number}</dt><dd class="mz-nowrap">{v.deceased_id_masked.clone()}</dd>
            <dt>{x.died_on}</dt><dd>{format::day(v.died_on, locale)}</dd>
            <dt>{x.certificate_no}</dt><dd class="mz-nowrap">{v.certificate_no.clone()}</dd>
            <dt>{x.applicant}</dt><dd>{v.applicant_masked.clone()}" · "{v.relationship.text(t)}</dd>
            {v.account_masked.clone().map(|a| view! { <dt>{x.account_card}</dt><dd class="mz-nowrap">{a}</dd> })}
            {task.cap.map(|c| view! { <dt>{x.cap}</dt><dd class="mz-nowrap">{format::money(c, locale)}</dd> })}
            {task.approved.map(|c| view! { <dt>{x.approved_amount}</dt><dd class="mz-nowrap">{format::money(c, locale)}</dd> })}
            <dt>{x.due}</dt><dd>{if task.paused { x.paused_staff.to_owned() } else { format::deadline(task.due_at, locale) }}</dd>
        </dl>
        {(!task.needs.is_empty()).then(|| view! { <NeedsList needs=task.needs.clone() /> })}
        <ul class="mz-docs">
            {task.documents.iter().enumerate().map(|(i, d)| view! {
                <li><a href=format!("/staff/after-death/document/{}", d.id)>{x.document_n(&d.kind.to_uppercase(), &(i + 1).to_string())}</a></li>
            }).collect_view()}
        </ul>
        <FormError error=form_error(act.value()) />
        <p class="mz-field__error" role="alert">{field_error(act.value(), "task")}</p>
        {(status == TaskStatus::Submitted).then(|| {
            let note = v.confirms_death.then(|| view! { <p class="mz-note">{x.confirms_death_note}</p> });
            form("accept", x.do_accept, true, note.into_any())
        })}
        {can_decide.then(|| form("return", x.do_return, false, reason_field("return")))}
        {(can_decide && task.pays).then(|| {
            let amount_value = typed.get("amount").cloned().unwrap_or(cap.clone());
            form("approve", x.do_approve, true, view! {
                <Field name="amount" label=x.amount_yuan hint=x.amount_hint inputmode="decimal" value=amount_value error=field_error(act.value(), "amount") />
                <p class="mz-note">{x.four_eyes_note(&format::money(v.second_approval_above, locale))}</p>
            }.into_any())
        })}
        {(can_decide && !task.pays).then(|| form("complete", x.do_complete, true, ().into_any()))}
        {can_decide.then(|| form("reject", x.do_reject, false, reason_field("reject")))}
        {(task.payment_status.as_deref() == Some("awaiting_second")).then(|| {
            let task_id = v.task.id.clone();
            view! {
                <ActionForm action=second attr:class="mz-form">
                    <input type="hidden" name="task_id" value=task_id />
                    <p class="mz-field__error" role="alert">{field_error(second.value(), "payment")}</p>
                    <button class="mz-button mz-button--primary" type="submit">{x.do_second}</button>
                </ActionForm>
            }
        })}
        <section class="mz-section" aria-labelledby="history-h">
            <h2 id="history-h">{x.history}</h2>
            <ol class="mz-history">
                {v.history.into_iter().map(|e| view! {
                    <li>{format::instant(e.at, locale)}" · "{status_for_staff(e.from, t)}" → "{status_for_staff(e.to, t)}{e.reason.map(|r| format!(" · {r}"))}</li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// 发放: payments awaiting a second approval or release, and the day's batch.
#[component]
fn PaymentsPage() -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let q = use_query_map();
    let day = q.with_untracked(|q| q.get("day"));
    let second = ServerAction::<SecondApprove>::new();
    let pay = ServerAction::<Pay>::new();
    let list = Resource::new(
        move || (second.version().get(), pay.version().get()),
        move |_| super::api::payments(day.clone()),
    );
    view! {
        <RequireStaff view=move |staff| {
            let finance = staff.role == Role::FinanceOfficer;
            view! {
                <Page title=x.payments_title.to_string()>
                    <StaffBar me=staff.clone() />
                    <Suspense>
                        {move || Suspend::new(async move {
                            match list.await {
                                Ok(WithNow { data, now }) => view! { <PaymentsBody rows=data now=now finance=finance second=second pay=pay /> }.into_any(),
                                Err(e) => error_line(e, t),
                            }
                        })}
                    </Suspense>
                </Page>
            }
        } />
    }
}

#[component]
fn PaymentsBody(
    rows: Vec<PaymentView>,
    now: i64,
    finance: bool,
    second: ServerAction<SecondApprove>,
    pay: ServerAction<Pay>,
) -> impl IntoView {
    let t = use_texts();
    let x = t.after_death();
    let locale = use_locale();
    let today = crate::rules::clock::shanghai_date(
        chrono::DateTime::from_timestamp(now, 0).unwrap_or_default(),
    );
    let paid: Vec<_> = rows
        .iter()
        .filter(|p| p.status == "paid")
        .cloned()
        .collect();
    let day = paid.first().and_then(|p| p.paid_on).unwrap_or(today);
    let total: crate::rules::money::Fen = paid.iter().map(|p| p.fen).sum();
    let pending: Vec<_> = rows.into_iter().filter(|p| p.status != "paid").collect();
    let line = move |p: PaymentView| {
        let task_id = p.task_id.clone();
        let status = match p.status.as_str() {
            "awaiting_second" => x.pay_awaiting_second,
            "authorised" => x.pay_authorised,
            _ => x.pay_paid,
        };
        view! {
            <li class="mz-list__item">
                <h3 class="mz-list__title">{pick(locale, &p.item_zh, &p.item_en).to_owned()}" · "<span class="mz-nowrap">{format::money(p.fen, locale)}</span></h3>
                <p class="mz-list__meta"><span class="mz-nowrap">{p.reference.clone()}</span>" · "{p.deceased_name.clone()}" · "{p.account_name.clone()}" "<span class="mz-nowrap">{p.account_masked.clone()}</span></p>
                <p>{status}" · "{x.first_by(&p.first_by)}{p.second_by.clone().map(|s| format!(" · {}", x.second_by(&s)))}</p>
                {(p.status == "awaiting_second").then(|| {
                    let task_id = task_id.clone();
                    view! {
                        <ActionForm action=second attr:class="mz-form">
                            <input type="hidden" name="task_id" value=task_id />
                            <button class="mz-button mz-button--primary" type="submit">{x.do_second}</button>
                        </ActionForm>
                    }
                })}
                {(finance && p.status == "authorised").then(|| {
                    let task_id = task_id.clone();
                    view! {
                        <ActionForm action=pay attr:class="mz-form">
                            <input type="hidden" name="task_id" value=task_id />
                            <button class="mz-button mz-button--primary" type="submit">{x.do_pay}</button>
                        </ActionForm>
                    }
                })}
            </li>
        }
    };
    view! {
        <FormError error=form_error(second.value()) />
        <p class="mz-field__error" role="alert">{field_error(second.value(), "payment")}{move || field_error(pay.value(), "payment").get()}</p>
        <section class="mz-section" aria-labelledby="pending-h">
            <h2 id="pending-h">{x.pending_payments}</h2>
            {if pending.is_empty() {
                view! { <p class="mz-empty">{x.no_pending}</p> }.into_any()
            } else {
                view! { <ul class="mz-list">{pending.into_iter().map(line).collect_view()}</ul> }.into_any()
            }}
        </section>
        <section class="mz-section" aria-labelledby="batch-h">
            <h2 id="batch-h">{x.batch_of(&format::day(day, locale))}</h2>
            <p><span class="mz-nowrap">{x.batch_total(&format::money(total, locale), &paid.len().to_string())}</span></p>
            {finance.then(|| view! {
                <p>
                    <a class="mz-button" href=format!("/staff/after-death/payments/{}.csv", format::iso_day(day)) download="">{x.download_csv}</a>" "
                    <a class="mz-button" href=format!("/staff/after-death/payments/{}.xlsx", format::iso_day(day)) download="">{x.download_xlsx}</a>
                </p>
            })}
            <ul class="mz-list">{paid.into_iter().map(line).collect_view()}</ul>
        </section>
    }
}
