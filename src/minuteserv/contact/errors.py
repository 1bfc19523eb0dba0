from minuteserv.core.errors import NotFound


class ContactSubmissionNotFound(NotFound):
    code = "CONTACT_SUBMISSION_NOT_FOUND"
    message = "No such contact submission."
