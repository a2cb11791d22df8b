import { UserError } from '@llmops/common';

/** Azure ML's rule for endpoint and deployment names (azure-ai-ml `validate_endpoint_or_deployment_name`). */
const NAME_PATTERN = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

function validateName(kind: 'endpoint' | 'deployment', field: string, name: string | undefined): string {
  const value = name?.trim() ?? '';
  if (!value) throw new UserError(`\`${field}\` is required`, { field, code: 'InvalidInput' });
  if (value.length < 3 || value.length > 32 || !NAME_PATTERN.test(value)) {
    throw new UserError(
      `\`${field}\` '${value}' is not a valid ${kind} name: 3 to 32 characters, starting with a letter, then letters, digits or '-', not ending with '-'`,
      { field, code: 'InvalidInput' }
    );
  }
  return value;
}

export function validateEndpointName(name: string | undefined): string {
  return validateName('endpoint', 'endpoint-name', name);
}

export function validateDeploymentName(name: string | undefined): string {
  return validateName('deployment', 'deployment-name', name);
}

export const COLOURS = ['blue', 'green'] as const;

export interface DeploymentChoice {
  /** The deployment to create. */
  name: string;
  /** The deployment that served most of the traffic before (undefined on a fresh endpoint). */
  previous?: string;
  /** Every deployment that served traffic before, most first. */
  live: string[];
}

/**
 * Which deployment to create next to the live one: `requested` if given, else the colour
 * (blue/green) that holds no traffic. Never a deployment that serves traffic, since
 * updating it in place is exactly what a blue/green rollout avoids.
 */
export function chooseDeployment(traffic: Readonly<Record<string, number>>, requested?: string): DeploymentChoice {
  const live = Object.entries(traffic).filter(([, weight]) => weight > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => name);
  const describe = () => live.map((n) => `${n} ${traffic[n]}%`).join(', ');
  if (requested) {
    const name = validateDeploymentName(requested);
    if (live.includes(name)) {
      throw new UserError(`\`deployment-name\` '${name}' serves live traffic (${describe()}); choose another name, or leave it empty to alternate blue/green`, { field: 'deployment-name', code: 'InvalidInput' });
    }
    return { name, previous: live[0], live };
  }
  const free = COLOURS.find((colour) => !live.includes(colour));
  if (!free) {
    throw new UserError(`Both blue and green serve traffic (${describe()}); set \`deployment-name\` to a new name, or move all traffic to one of them first`, { field: 'deployment-name', code: 'InvalidInput' });
  }
  return { name: free, previous: live[0], live };
}
