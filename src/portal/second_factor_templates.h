// Mustache templates of the second-factor pages (authenticator app
// enrolment and check, a message's PIN). As in page_templates.h: {{x}} is
// escaped; {{{qr}}} is the SVG made by QrSvg; every form posts `csrf`.
#ifndef SEALPOST_PORTAL_SECOND_FACTOR_TEMPLATES_H_
#define SEALPOST_PORTAL_SECOND_FACTOR_TEMPLATES_H_

#include <string_view>

namespace sealpost::portal {

// Variables: csrf, next, keep (flag), error; enrol (flag) with required
// (flag), qr, secret; or the code check without enrol.
inline constexpr std::string_view kSecondFactorPage =
    R"({{#enrol}}<h1>Add an authenticator app</h1>
{{#required}}<p role="status">This organisation asks readers of its protected mail to confirm each sign-in with a code from an authenticator app as well as the passcode.</p>{{/required}}
{{/enrol}}{{^enrol}}<h1>Enter the code from your authenticator app</h1>
{{/enrol}}{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
{{#enrol}}<ol class="steps">
<li>Open an authenticator app on your phone (for example FreeOTP, Aegis, Google Authenticator or Microsoft Authenticator) and add an account.</li>
<li>Scan this code:
<figure class="qr">{{{qr}}}<figcaption>Or type this key: <code class="totp-secret">{{secret}}</code> (time-based, 6 digits)</figcaption></figure></li>
<li>Enter the 6-digit code the app shows.</li>
</ol>
{{/enrol}}{{^enrol}}<p>Your passcode was right. This address also uses an authenticator app: open it and enter the 6-digit code it shows.</p>
{{/enrol}}<form method="post" action="/second-factor" class="card">
<input type="hidden" name="csrf" value="{{csrf}}">
<input type="hidden" name="next" value="{{next}}">
{{#keep}}<input type="hidden" name="keep" value="1">{{/keep}}
<label for="totp-code">Code from the app</label>
<input id="totp-code" name="code" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" autocomplete="one-time-code" required autofocus>
<button type="submit" class="primary">{{#enrol}}Turn on{{/enrol}}{{^enrol}}Continue{{/enrol}}</button>
</form>
{{#enrol}}<p>Keep the app: from now on, signing in with this address needs the passcode we mail you <strong>and</strong> a code from the app. If you lose your phone, ask the sender's organisation to reset it.</p>{{/enrol}}
{{^enrol}}<p>Lost your phone? Ask the sender's organisation to reset your authenticator app.</p>{{/enrol}}
)";

// Variables: id, csrf, error.
inline constexpr std::string_view kPinPage =
    R"(<h1>Enter the PIN for this message</h1>
{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
<p>The sender protected this message with a PIN as well. They give it to you themselves, for example by phone.</p>
<form method="post" action="/m/{{id}}/pin" class="card">
<input type="hidden" name="csrf" value="{{csrf}}">
<label for="pin">PIN</label>
<input id="pin" name="pin" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="off" required autofocus>
<button type="submit" class="primary">Open the message</button>
</form>
)";

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_SECOND_FACTOR_TEMPLATES_H_
