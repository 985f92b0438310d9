// Same as the inline script in govuk-frontend's template.njk, as a file because
// the Content Security Policy forbids inline script. Load it synchronously as
// the first thing in <body>.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
