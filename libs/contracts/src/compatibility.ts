/**
 * Compares a published contract's JSON-Schema snapshot with the schema the code declares now.
 * Compatible changes: adding an optional property to an object, and adding a new variant at the
 * end of a `oneOf` (e.g. a new command type: its consumers are deployed before its producers).
 * Anything else (a removed or retyped property, a new required one, a removed or reordered
 * variant, a changed enum, format or constraint) is breaking and belongs in a new `.v<major+1>` topic.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function breakingChanges(published: JsonValue, current: JsonValue, path = '$'): string[] {
  if (!isObject(published) || !isObject(current)) {
    return JSON.stringify(published) === JSON.stringify(current) ? [] : [`${path}: changed from ${JSON.stringify(published)} to ${JSON.stringify(current)}`];
  }
  const problems: string[] = [];
  const keys = new Set([...Object.keys(published), ...Object.keys(current)]);
  for (const key of keys) {
    if (key === 'description' || key === '$schema') continue;
    const before = published[key];
    const after = current[key];
    if (key === 'properties' && isObject(before) && isObject(after)) {
      const requiredNow = new Set(stringList(current.required));
      for (const name of Object.keys(before)) {
        if (!(name in after)) problems.push(`${path}.${name}: removed`);
        else problems.push(...breakingChanges(before[name] ?? null, after[name] ?? null, `${path}.${name}`));
      }
      for (const name of Object.keys(after)) {
        if (!(name in before) && requiredNow.has(name)) problems.push(`${path}.${name}: added as required (only optional fields may be added)`);
      }
      continue;
    }
    if (key === 'oneOf' && Array.isArray(before) && Array.isArray(after) && after.length >= before.length) {
      before.forEach((variant, i) => problems.push(...breakingChanges(variant, after[i] ?? null, `${path}.oneOf[${i}]`)));
      continue;
    }
    if (key === 'required') {
      const was = new Set(stringList(before));
      const now = new Set(stringList(after));
      for (const name of was) if (!now.has(name)) problems.push(`${path}.${name}: no longer required`);
      for (const name of now) {
        const existed = isObject(published.properties) && name in published.properties;
        if (!was.has(name) && existed) problems.push(`${path}.${name}: became required`);
      }
      continue;
    }
    if (before === undefined) {
      problems.push(`${path}: gained "${key}"`);
    } else if (after === undefined) {
      problems.push(`${path}: lost "${key}"`);
    } else {
      problems.push(...breakingChanges(before, after, `${path}.${key}`));
    }
  }
  return problems;
}
