"""The interface text: Dutch first, English second. One catalogue, one lookup."""

from __future__ import annotations

__all__ = ["LANGUAGES", "MESSAGES", "translate"]

LANGUAGES: tuple[str, ...] = ("nl", "en")

#: key -> (Dutch, English).
MESSAGES: dict[str, tuple[str, str]] = {
    "app.title": ("Vastgoed in Beeld", "Vastgoed in Beeld (property signals)"),
    "app.motto": (
        "Het systeem rangschikt; mensen beslissen. "
        "Een signaal is een reden om te kijken, nooit een bevinding.",
        "The engine ranks; people decide. A signal is a reason to look, never a finding.",
    ),
    "nav.runs": ("Runs", "Runs"),
    "nav.accounts": ("Accounts", "Accounts"),
    "nav.logout": ("Uitloggen", "Log out"),
    "nav.language": ("English", "Nederlands"),
    "nav.signed_in_as": ("Ingelogd als", "Signed in as"),
    "login.title": ("Inloggen", "Log in"),
    "login.name": ("Gebruikersnaam", "User name"),
    "login.password": ("Wachtwoord", "Password"),
    "login.submit": ("Inloggen", "Log in"),
    "login.failed": (
        "Onbekende gebruikersnaam of onjuist wachtwoord.",
        "Unknown user name or wrong password.",
    ),
    "login.too_many": (
        "Te veel mislukte pogingen. Probeer het over enkele minuten opnieuw; na elke nieuwe mislukte "
        "poging duurt het wachten langer (ten hoogste een half uur).",
        "Too many failed attempts. Try again in a few minutes; each further failed attempt makes the "
        "wait longer (at most half an hour).",
    ),
    "nav.password": ("Wachtwoord wijzigen", "Change password"),
    "password.title": ("Wachtwoord wijzigen", "Change password"),
    "password.one_time": (
        "U bent ingelogd met een eenmalig wachtwoord van een beheerder. Kies eerst een eigen wachtwoord; "
        "daarna kunt u verder.",
        "You logged in with a one-time password from an administrator. Choose your own password first; "
        "then you can go on.",
    ),
    "password.current": ("Huidig wachtwoord", "Current password"),
    "password.new": ("Nieuw wachtwoord", "New password"),
    "password.repeat_label": ("Herhaal het nieuwe wachtwoord", "Repeat the new password"),
    "password.submit": ("Wachtwoord opslaan", "Save password"),
    "password.rules": (
        "Minstens 12 tekens. Een zin van een paar woorden is goed. Niet toegestaan: veelgebruikte "
        "wachtwoorden (ook met cijfers erachter), herhalingen en reeksen, en uw gebruikersnaam.",
        "At least 12 characters. A sentence of a few words is good. Not allowed: common passwords (also "
        "with digits after them), repetitions and sequences, and your user name.",
    ),
    "password.too_short": (
        "Dit wachtwoord is te kort: kies minstens 12 tekens.",
        "This password is too short: choose at least 12 characters.",
    ),
    "password.common": (
        "Dit wachtwoord is te bekend (het staat op een lijst van veelgebruikte wachtwoorden). "
        "Kies een ander.",
        "This password is too common (it is on a list of frequently used passwords). Choose another.",
    ),
    "password.pattern": (
        "Dit wachtwoord is een herhaling of een reeks (zoals aaaa, abcabc of 1234). Kies een ander.",
        "This password is a repetition or a sequence (such as aaaa, abcabc or 1234). Choose another.",
    ),
    "password.name": (
        "Dit wachtwoord bevat de gebruikersnaam. Kies een ander.",
        "This password contains the user name. Choose another.",
    ),
    "password.same": (
        "Het nieuwe wachtwoord is gelijk aan het huidige. Kies een ander.",
        "The new password is the same as the current one. Choose another.",
    ),
    "password.repeat": (
        "De twee nieuwe wachtwoorden zijn niet gelijk.",
        "The two new passwords differ.",
    ),
    "password.current_wrong": ("Het huidige wachtwoord klopt niet.", "The current password is wrong."),
    "role.analist": ("analist", "analyst"),
    "role.reviewer": ("reviewer (moreel beraad)", "reviewer (moral deliberation)"),
    "role.beheerder": ("beheerder", "administrator"),
    "status.awaiting_review": ("wacht op beoordeling", "awaiting review"),
    "status.approved": ("goedgekeurd", "approved"),
    "status.rejected": ("afgewezen", "rejected"),
    "status.released": ("vrijgegeven", "released"),
    "runs.title": ("Runs", "Runs"),
    "runs.none": ("Er zijn geen runs die u mag zien.", "There are no runs you may see."),
    "runs.run": ("Run", "Run"),
    "runs.started": ("Gestart", "Started"),
    "runs.peildatum": ("Peildatum", "Reference date"),
    "runs.model": ("Model", "Model"),
    "runs.scored": ("Objecten gescoord", "Objects scored"),
    "runs.flags": ("Fairness-vlaggen", "Fairness flags"),
    "runs.status": ("Status", "Status"),
    "runs.open_list": ("Lijst", "List"),
    "runs.open_review": ("Beoordeling", "Review"),
    "runs.analyst_note": (
        "Als analist ziet u alleen vrijgegeven runs.",
        "As an analyst you see released runs only.",
    ),
    "list.title": ("Gerangschikte lijst", "Ranked list"),
    "list.rank": ("Rang", "Rank"),
    "list.address": ("Adres", "Address"),
    "list.buurt": ("Buurt", "Neighbourhood"),
    "list.score": ("Score", "Score"),
    "list.fenomeen": ("Fenomeen", "Phenomenon"),
    "list.reasons": ("Redenen", "Reasons"),
    "list.verdict": ("Verdict", "Verdict"),
    "list.all": ("alle", "all"),
    "list.band": ("Scoreband", "Score band"),
    "list.sort": ("Sorteren op", "Sort by"),
    "list.desc": ("aflopend", "descending"),
    "list.filter": ("Filteren", "Filter"),
    "list.count": ("signalen", "signals"),
    "list.page": ("Pagina", "Page"),
    "list.prev": ("Vorige", "Previous"),
    "list.next": ("Volgende", "Next"),
    "list.no_verdict": ("geen verdict", "no verdict"),
    "list.export_csv": ("Exporteren (CSV)", "Export (CSV)"),
    "list.export_xlsx": ("Exporteren (Excel)", "Export (Excel)"),
    "list.empty": ("Geen signalen met deze filters.", "No signals with these filters."),
    "band.hoog": ("hoog (≥ 0,50)", "high (≥ 0.50)"),
    "band.midden": ("midden (0,20–0,50)", "middle (0.20–0.50)"),
    "band.laag": ("laag (0,10–0,20)", "low (0.10–0.20)"),
    "band.zeer_laag": ("zeer laag (< 0,10)", "very low (< 0.10)"),
    "signal.title": ("Signaal", "Signal"),
    "signal.reasons": ("Redenen (feiten uit de registers)", "Reasons (facts from the registers)"),
    "signal.against": ("Tegenbewijs", "Counter-evidence"),
    "signal.contribution": ("bijdrage (log-odds)", "contribution (log-odds)"),
    "signal.facts": ("Feiten", "Facts"),
    "signal.links": ("Koppelingszekerheid", "Link certainty"),
    "signal.weakest": ("Zwakste koppelingen", "Weakest links"),
    "signal.min_certainty": ("Laagste zekerheid", "Lowest certainty"),
    "signal.n_links": ("Aantal koppelingen", "Number of links"),
    "signal.record": ("Record", "Record"),
    "signal.kind": ("Soort", "Kind"),
    "signal.method": ("Methode", "Method"),
    "signal.certainty": ("Zekerheid", "Certainty"),
    "signal.freshness": ("Actualiteit van de bronnen", "Extract dates of the sources"),
    "signal.scores": ("Score per fenomeen", "Score per phenomenon"),
    "signal.last_investigation": ("Laatste onderzoek", "Latest investigation"),
    "signal.graph": ("Netwerk rond het object", "The object's neighbourhood"),
    "signal.graph_note": (
        "Personen zijn per plaatje genummerd; namen en BSN's worden nooit getoond.",
        "Persons are numbered per picture; names and BSNs are never shown.",
    ),
    "signal.utility": ("Verbruik per jaar tegen de norm", "Utility use per year against the norm"),
    "signal.norm": ("norm", "norm"),
    "signal.norm_note": (
        "Balk: gemeten verbruik (rood boven de norm); streep: de norm voor dat jaar (elektriciteit en water "
        "naar het aantal ingeschreven bewoners, gas naar het woningtype).",
        "Bar: metered use (red above the norm); tick: that year's norm (electricity and water by the number "
        "of registered residents, gas by the dwelling type).",
    ),
    "signal.no_utility": ("Geen verbruiksgegevens bekend.", "No utility data known."),
    "signal.geen_invoer": (
        "De invoerbestanden van deze run zijn niet beschikbaar.",
        "The input extracts of this run are not available.",
    ),
    "signal.invoer_gewijzigd": (
        "Het verbruiksbestand is gewijzigd sinds de run; het wordt niet getoond.",
        "The utility extract changed since the run; it is not shown.",
    ),
    "signal.registrations": ("Inschrijvingen (BRP) in de tijd", "Registrations (BRP) over time"),
    "signal.registered_now": ("Nu ingeschreven", "Registered now"),
    "signal.woonadres": ("woonadres", "residential address"),
    "signal.briefadres": ("briefadres", "postal address"),
    "signal.month": ("Maand", "Month"),
    "signal.started": ("begonnen", "started"),
    "signal.ended": ("beëindigd", "ended"),
    "signal.count": ("Aantal", "Count"),
    "signal.residents_chart": ("Ingeschreven bewoners (woonadres)", "Registered residents (residential)"),
    "signal.verdicts": ("Verdicten", "Verdicts"),
    "signal.record_verdict": ("Verdict vastleggen", "Record a verdict"),
    "signal.back": ("Terug naar de lijst", "Back to the list"),
    "verdict.title": ("Verdict", "Verdict"),
    "verdict.outcome": ("Uitkomst", "Outcome"),
    "verdict.choose": (
        "Kies een uitkomst (er is geen standaardkeuze)",
        "Choose an outcome (there is no default)",
    ),
    "verdict.bad_date": ("Datum als jjjj-mm-dd", "Date as yyyy-mm-dd"),
    "verdict.found_on": ("gevonden op", "found on"),
    "verdict.refused": ("Het verdict is niet vastgelegd", "The verdict was not recorded"),
    "verdict.date": ("Datum van de bevinding", "Date of the finding"),
    "verdict.fenomeen": ("Gevonden fenomeen (als anders)", "Phenomenon found (if different)"),
    "verdict.note": ("Toelichting: wat is gevonden, niet wie", "Note: what was found, not who"),
    "verdict.submit": ("Verdict opslaan", "Save verdict"),
    "verdict.saved": ("Verdict opgeslagen in het auditlog.", "Verdict saved in the audit log."),
    "verdict.only_released": (
        "Verdicten worden alleen op vrijgegeven lijsten vastgelegd.",
        "Verdicts are recorded on released lists only.",
    ),
    "outcome.bevestigd": ("bevestigd", "confirmed"),
    "outcome.niet_bevestigd": ("niet bevestigd", "not confirmed"),
    "outcome.geen_toegang": ("geen toegang", "no access"),
    "outcome.lopend": ("lopend", "ongoing"),
    "outcome.verklaard": ("verklaard", "explained"),
    "review.title": ("Beoordeling (moreel beraad)", "Review (moral deliberation)"),
    "review.bundle": ("Ethiekbundel", "Ethics bundle"),
    "review.model_card": ("Modelkaart", "Model card"),
    "review.fairness": ("Fairness-audit", "Fairness audit"),
    "review.datasheet": ("Datasheet", "Datasheet"),
    "review.register": ("Algoritmeregister", "Algorithm register"),
    "review.measured_on": ("Gemeten op", "Measured on"),
    "review.flags": ("Fairness-vlaggen van deze run", "Fairness flags of this run"),
    "review.no_flags": ("Deze run heeft geen fairness-vlaggen.", "This run has no fairness flags."),
    "review.accept": ("Accepteren", "Accept"),
    "review.decisions": ("Besluiten", "Decisions"),
    "review.no_decisions": ("Nog geen besluit.", "No decision yet."),
    "review.decide": ("Besluit", "Decision"),
    "review.rationale": ("Motivering", "Rationale"),
    "review.conditions": ("Voorwaarden (bij 'onder voorwaarden')", "Conditions (for 'with conditions')"),
    "review.submit": ("Besluit vastleggen", "Record decision"),
    "review.release": ("Lijst vrijgeven", "Release the list"),
    "review.released": ("Vrijgegeven", "Released"),
    "review.saved": ("Besluit vastgelegd in het auditlog.", "Decision recorded in the audit log."),
    "review.release_saved": ("De lijst is vrijgegeven.", "The list was released."),
    "review.refused": ("Niet gelukt", "Not done"),
    "review.rows": ("regels", "rows"),
    "decision.approve": ("goedkeuren", "approve"),
    "decision.conditions": ("onder voorwaarden", "with conditions"),
    "decision.reject": ("afwijzen", "reject"),
    "accounts.title": ("Accounts", "Accounts"),
    "accounts.name": ("Naam", "Name"),
    "accounts.role": ("Rol", "Role"),
    "accounts.active": ("Actief", "Active"),
    "accounts.password": (
        "Eenmalig wachtwoord (minstens 12 tekens; leeg: alleen single sign-on). Een reviewer of "
        "beheerder krijgt het van een tweede beheerder, bij de goedkeuring.",
        "One-time password (12+ characters; empty: single sign-on only). A reviewer or administrator "
        "gets it from a second administrator, at the approval.",
    ),
    "accounts.requested": (
        "Account aangevraagd. Een andere beheerder moet het goedkeuren en het eenmalige wachtwoord "
        "instellen.",
        "Account requested. Another administrator must approve it and set its one-time password.",
    ),
    "accounts.reset_requested": (
        "Wachtwoordherstel aangevraagd. Een andere beheerder moet het goedkeuren en het eenmalige "
        "wachtwoord instellen; tot dan kan het account niet inloggen.",
        "Password reset requested. Another administrator must approve it and set the one-time password; "
        "until then the account cannot log in.",
    ),
    "accounts.waiting": ("wacht op goedkeuring", "awaiting approval"),
    "accounts.approve": ("Goedkeuren met eenmalig wachtwoord", "Approve with one-time password"),
    "accounts.one_time": ("eenmalig wachtwoord", "one-time password"),
    "accounts.reset_note": (
        "Een nieuw wachtwoord is eenmalig: de houder moet het bij de eerste login vervangen. Voor een "
        "reviewer of beheerder is het een aanvraag die een tweede beheerder goedkeurt.",
        "A new password is one-time: the holder must replace it at the first login. For a reviewer or "
        "administrator it is a request that a second administrator approves.",
    ),
    "accounts.not_own_blokkeren": (
        "U kunt uw eigen account niet blokkeren.",
        "You cannot block your own account.",
    ),
    "accounts.not_own_wachtwoord": (
        "Uw eigen wachtwoord wijzigt u met 'Wachtwoord wijzigen' (met uw huidige wachtwoord).",
        "You change your own password with 'Change password' (with your current password).",
    ),
    "accounts.not_own_goedkeuren": (
        "Een account wordt goedgekeurd door een andere beheerder, niet door uzelf.",
        "An account is approved by another administrator, not by yourself.",
    ),
    "accounts.create": ("Account aanmaken", "Create account"),
    "accounts.created": ("Account aangemaakt.", "Account created."),
    "accounts.deactivate": ("Blokkeren", "Deactivate"),
    "accounts.activate": ("Activeren", "Activate"),
    "accounts.changed": ("Account gewijzigd.", "Account changed."),
    "accounts.new_password": ("Nieuw wachtwoord", "New password"),
    "accounts.set_password": ("Wachtwoord instellen", "Set password"),
    "accounts.invalid": (
        "Niet geldig: een naam heeft 1-64 tekens (letters, cijfers en . _ - @); een goedkeuring of "
        "herstel kan alleen door een andere beheerder dan de aanvrager, met een eenmalig wachtwoord.",
        "Not valid: a name has 1-64 characters (letters, digits and . _ - @); an approval or reset "
        "can only be given by an administrator other than the one who asked, with a one-time password.",
    ),
    "accounts.exists": ("Er bestaat al een account met deze naam.", "An account of this name exists."),
    "accounts.password_required": (
        "Een wachtwoord is verplicht: zonder single sign-on kan een account zonder wachtwoord niet inloggen.",
        "A password is required: without single sign-on an account without one cannot log in.",
    ),
    "common.yes": ("ja", "yes"),
    "common.no": ("nee", "no"),
    "error.title": ("Er ging iets mis", "Something went wrong"),
    "error.400": ("De invoer is niet geldig.", "The input is not valid."),
    "error.401": ("U bent niet ingelogd.", "You are not logged in."),
    "error.403": (
        "U heeft geen toegang tot deze pagina of handeling.",
        "You have no access to this page or action.",
    ),
    "error.404": ("Deze pagina bestaat niet.", "This page does not exist."),
    "error.405": ("Deze handeling is hier niet toegestaan.", "This action is not allowed here."),
    "error.409": ("Dit kan in de huidige toestand niet.", "This cannot be done in the current state."),
    "error.409_log": (
        "Het auditlog is niet intact (of kon niet worden bijgewerkt); er wordt niets op getoond of "
        "besloten. De beheerder ziet de oorzaak in het serverlog en met `vastgoed audit verify`.",
        "The audit log is not intact (or could not be appended to); nothing is shown or decided on "
        "it. The administrator finds the cause in the server log and with `vastgoed audit verify`.",
    ),
    "error.409_list": (
        "De vrijgegeven lijst op schijf is niet de lijst die volgens het auditlog is vrijgegeven; "
        "hij wordt niet getoond. Meld dit aan de beheerder.",
        "The released list on disk is not the list the audit log says was released; it is not "
        "shown. Please tell the administrator.",
    ),
    "error.422": ("De invoer is niet geldig.", "The input is not valid."),
    "error.429": ("Te veel verzoeken. Wacht even.", "Too many requests. Please wait."),
    "error.500": (
        "Er ging aan onze kant iets mis. Het is vastgelegd in het serverlogboek.",
        "Something went wrong on our side. It was written to the server log.",
    ),
    "error.csrf": (
        "Het formulier is verlopen of komt niet van deze site. Laad de pagina opnieuw.",
        "The form expired or did not come from this site. Reload the page.",
    ),
    "error.back": ("Naar de startpagina", "To the start page"),
}


def translate(key: str, language: str) -> str:
    """The text of ``key`` in ``language`` (Dutch when the language is unknown); the key if none."""
    texts = MESSAGES.get(key)
    if texts is None:
        return key
    return texts[1] if language == "en" else texts[0]
