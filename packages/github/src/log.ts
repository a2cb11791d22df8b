import * as core from '@actions/core';
import type { ErrorLocation, Log } from '@llmops/common';

/** Annotation properties for a location the library reported (file, line, and the field as title). */
export function annotationFor(where?: ErrorLocation, title?: string): core.AnnotationProperties {
  const props: core.AnnotationProperties = {};
  const heading = title ?? (where?.field ? `field '${where.field}'` : undefined);
  if (heading) props.title = heading;
  if (where?.file) props.file = where.file;
  if (where?.line !== undefined) props.startLine = where.line;
  return props;
}

/** The library's Log on top of @actions/core: warnings and errors become annotations, secrets are masked by the runner. */
export function actionLog(): Log {
  // The runner masks a value for the whole job once told; telling it again only adds noise.
  const masked = new Set<string>();
  return {
    debug: (message) => core.debug(message),
    info: (message) => core.info(message),
    warning: (message, where) => core.warning(message, annotationFor(where)),
    error: (message, where) => core.error(message, annotationFor(where)),
    setSecret: (secret) => {
      if (!secret || masked.has(secret)) return;
      masked.add(secret);
      core.setSecret(secret);
    }
  };
}
