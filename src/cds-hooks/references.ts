/**
 * FHIR R4 `id` datatype (http://hl7.org/fhir/R4/datatypes.html#id), except ids made only of dots,
 * which are valid ids but would walk up the path when substituted into a FHIR URL.
 */
export const FHIR_ID = /^(?!\.+$)[A-Za-z0-9\-.]{1,64}$/;

/** A relative literal reference, `ResourceType/id`, as used by CDS Hooks contexts and delete actions. */
export const RELATIVE_REFERENCE = /^[A-Z][A-Za-z]+\/(?!\.+$)[A-Za-z0-9\-.]{1,64}$/;
