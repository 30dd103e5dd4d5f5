// Viewer-request function (runtime cloudfront-js-2.0) of the distribution's upload behavior.
//
// The upload behavior has to allow every HTTP method for PUT to reach S3, and a signed URL or
// cookie names no method, so this function decides what an upload request may be:
//   - PUT (the upload) and OPTIONS (the browser's CORS preflight) only; any other method is
//     answered here with 405 and an Allow header, before CloudFront asks S3 for anything;
//   - signed with a canned policy in the query string (Expires, Signature, Key-Pair-Id; no
//     Policy). A canned policy is valid for one exact URL, so neither a signed cookie nor a
//     wildcard custom policy handed out for downloads can be replayed here to write. CloudFront
//     ignores signed cookies when the URL carries these parameters.
// Event and response structure:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
// Signed URLs take precedence over signed cookies:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-choosing-signed-urls-cookies.html

var UPLOAD_METHODS = ['PUT', 'OPTIONS'];
var CANNED_POLICY_PARAMETERS = ['Expires', 'Signature', 'Key-Pair-Id'];

function refuse(statusCode, statusDescription) {
    return {
        statusCode: statusCode,
        statusDescription: statusDescription,
        headers: {
            'allow': { value: UPLOAD_METHODS.join(', ') },
            'cache-control': { value: 'no-store' }
        }
    };
}

function signedWithCannedPolicy(querystring) {
    for (var i = 0; i < CANNED_POLICY_PARAMETERS.length; i++) {
        if (!querystring[CANNED_POLICY_PARAMETERS[i]]) {
            return false;
        }
    }
    return !querystring['Policy'];
}

function handler(event) {
    var request = event.request;
    if (UPLOAD_METHODS.indexOf(request.method) === -1) {
        return refuse(405, 'Method Not Allowed');
    }
    if (!signedWithCannedPolicy(request.querystring || {})) {
        return refuse(403, 'Forbidden');
    }
    return request;
}
