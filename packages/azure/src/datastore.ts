import { basename, resolve } from 'node:path';
import type { AccountKeyDatastoreSecrets, AzureBlobDatastore, Datastore, SasDatastoreSecrets } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';
import { isRestError } from '@azure/core-rest-pipeline';
import { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { UserError, type Log } from '@llmops/common';
import { hashFolderFiles, listFolderFiles, type FolderFile } from './folder.js';
import { describeRestError, type WorkspaceClient } from './workspace.js';

/** azure-ai-ml's `ARTIFACT_ORIGIN`: where local folders land in the default datastore. */
export const UPLOAD_ROOT = 'LocalUpload';

export interface UploadFolderOptions {
  workspace: WorkspaceClient;
  localDir: string;
  /** Extra basename patterns or relative paths to leave out (the defaults always apply). */
  ignore?: readonly string[];
  log: Log;
  /** Upload to this datastore instead of the workspace's default one. */
  datastoreName?: string;
  /** Parallel blob uploads, default 8. */
  concurrency?: number;
}

export interface UploadedFolder {
  /** Content hash of the folder (see hashFolderFiles). */
  hash: string;
  /** `LocalUpload/<hash>/<folder name>` inside the datastore's container. */
  blobPrefix: string;
  /** `azureml://datastores/<ds>/paths/<blobPrefix>` */
  shortUri: string;
  /** `azureml://subscriptions/<sub>/resourcegroups/<rg>/workspaces/<ws>/datastores/<ds>/paths/<blobPrefix>` (what models need). */
  longUri: string;
  datastore: string;
  /** How many files the folder has; `uploaded` is false when they were already there. */
  fileCount: number;
  uploaded: boolean;
  /** Which storage credential was used. */
  auth: 'account-key' | 'sas' | 'token';
}

type BlobDatastore = Datastore & { name: string; properties: AzureBlobDatastore & { accountName: string; containerName: string } };

/** The workspace's default blob datastore (`isDefault`), else `workspaceblobstore`. */
export async function getDefaultDatastore(workspace: WorkspaceClient): Promise<BlobDatastore> {
  const listed: Datastore[] = [];
  await workspace.call('Listing the default datastore', async (arm, rg, ws) => {
    for await (const ds of arm.datastores.list(rg, ws, { isDefault: true })) listed.push(ds);
  });
  const found = listed.find((d) => d.properties.datastoreType === 'AzureBlob')
    ?? await workspace.find('Reading datastore workspaceblobstore', (arm, rg, ws) => arm.datastores.get(rg, ws, 'workspaceblobstore'));
  if (!found) throw new UserError(`${workspace.describe()} has no default blob datastore (workspaceblobstore)`, { field: 'workspace', code: 'DatastoreNotFound' });
  return asBlobDatastore(found);
}

function asBlobDatastore(ds: Datastore): BlobDatastore {
  if (ds.properties.datastoreType !== 'AzureBlob') {
    throw new UserError(`Datastore '${ds.name}' is ${ds.properties.datastoreType}, not an Azure Blob datastore`, { code: 'DatastoreNotBlob' });
  }
  const props = ds.properties as AzureBlobDatastore;
  if (!props.accountName || !props.containerName) throw new Error(`Datastore '${ds.name}' has no accountName or containerName`);
  return ds as BlobDatastore;
}

/**
 * The account's blob service URL: `<protocol>://<account>.blob.<endpoint>`; for an
 * emulator whose `endpoint` is an IP or localhost (`127.0.0.1:10000`), path-style
 * `<protocol>://<endpoint>/<account>`, as Azurite serves it.
 */
export function blobServiceUrl(ds: AzureBlobDatastore, override?: string): string {
  if (override) return override.replace(/\/+$/, '');
  const protocol = ds.protocol || 'https';
  const endpoint = ds.endpoint || 'core.windows.net';
  const host = endpoint.replace(/:\d+$/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host === 'localhost' || host.startsWith('[')) return `${protocol}://${endpoint}/${ds.accountName}`;
  return `${protocol}://${ds.accountName}.blob.${endpoint}`;
}

/**
 * Upload a folder to `LocalUpload/<hash>/<folder name>/` of the datastore, as azure-ai-ml
 * and `pfazure` do, skipping the upload when every file is already there. Storage access
 * uses the datastore's account key or SAS from `listSecrets`; when that is denied (403) or
 * the datastore is identity-based (`None`), the caller's own Azure credential.
 */
export async function uploadFolder(options: UploadFolderOptions): Promise<UploadedFolder> {
  const { workspace, log } = options;
  const files = await listFolderFiles(options.localDir, options.ignore);
  if (files.length === 0) throw new UserError(`Flow folder is empty: ${options.localDir}`, { file: options.localDir, field: 'flow', code: 'FlowNotFound' });
  const hash = await hashFolderFiles(files);
  const ds = options.datastoreName
    ? asBlobDatastore(await workspace.call(`Reading datastore ${options.datastoreName}`, (arm, rg, ws) => arm.datastores.get(rg, ws, options.datastoreName!)))
    : await getDefaultDatastore(workspace);
  const blobPrefix = `${UPLOAD_ROOT}/${hash}/${basename(resolve(options.localDir))}`;
  const { container, auth } = await containerClient(workspace, ds, log);
  const result = {
    hash,
    blobPrefix,
    shortUri: `azureml://datastores/${ds.name}/paths/${blobPrefix}`,
    longUri: `azureml://subscriptions/${workspace.subscriptionId}/resourcegroups/${workspace.resourceGroup}/workspaces/${workspace.workspace}/datastores/${ds.name}/paths/${blobPrefix}`,
    datastore: ds.name,
    fileCount: files.length,
    auth
  };
  const account = ds.properties.accountName;
  try {
    if (await alreadyUploaded(container, blobPrefix, files)) {
      log.info(`${files.length} files already in ${ds.name}/${blobPrefix}; not uploading again.`);
      return { ...result, uploaded: false };
    }
    await runLimited(files, options.concurrency ?? 8, (file) =>
      container.getBlockBlobClient(`${blobPrefix}/${file.relativePath}`).uploadFile(file.absolutePath, { metadata: { upload_status: 'completed', content_hash: hash } })
    );
  } catch (error) {
    throw storageError(error, account, auth);
  }
  log.info(`Uploaded ${files.length} files to ${ds.name}/${blobPrefix}.`);
  return { ...result, uploaded: true };
}

async function containerClient(workspace: WorkspaceClient, ds: BlobDatastore, log: Log): Promise<{ container: ContainerClient; auth: UploadedFolder['auth'] }> {
  const props = ds.properties;
  const url = blobServiceUrl(props, workspace.connection.blobEndpointOverride);
  // Storage's pipeline passes unknown options through to core-rest-pipeline (tlsOptions).
  const pipelineOptions = (workspace.connection.tlsOptions ? { tlsOptions: workspace.connection.tlsOptions } : {}) as StoragePipelineOptions;
  const viaToken = (credential: TokenCredential) => ({ container: new BlobServiceClient(url, credential, pipelineOptions).getContainerClient(props.containerName), auth: 'token' as const });
  const type = props.credentials.credentialsType;
  if (type !== 'AccountKey' && type !== 'Sas') {
    log.info(`Datastore ${ds.name} is identity-based; uploading with your Azure credential (it needs Storage Blob Data Contributor on ${props.accountName}).`);
    return viaToken(workspace.credential);
  }
  let secrets;
  try {
    secrets = await workspace.call(`Reading the secrets of datastore ${ds.name}`, (arm, rg, ws) => arm.datastores.listSecrets(rg, ws, ds.name));
  } catch (error) {
    if (error instanceof UserError && error.code === 'AzureForbidden') {
      log.info(`Not allowed to read the keys of datastore ${ds.name}; uploading with your Azure credential instead (it needs Storage Blob Data Contributor on ${props.accountName}).`);
      return viaToken(workspace.credential);
    }
    throw error;
  }
  if (secrets.secretsType === 'AccountKey' && (secrets as AccountKeyDatastoreSecrets).key) {
    const key = (secrets as AccountKeyDatastoreSecrets).key!;
    log.setSecret(key);
    const credential = new StorageSharedKeyCredential(props.accountName, key);
    return { container: new BlobServiceClient(url, credential, pipelineOptions).getContainerClient(props.containerName), auth: 'account-key' };
  }
  if (secrets.secretsType === 'Sas' && (secrets as SasDatastoreSecrets).sasToken) {
    const sas = (secrets as SasDatastoreSecrets).sasToken!.replace(/^\?/, '');
    log.setSecret(sas);
    return { container: new BlobServiceClient(`${url}?${sas}`, new AnonymousCredential(), pipelineOptions).getContainerClient(props.containerName), auth: 'sas' };
  }
  log.info(`Datastore ${ds.name} returned no usable key; uploading with your Azure credential.`);
  return viaToken(workspace.credential);
}

/** True when every file already exists under the prefix and was fully written (upload_status). */
async function alreadyUploaded(container: ContainerClient, blobPrefix: string, files: readonly FolderFile[]): Promise<boolean> {
  const present = new Map<string, { status?: string; size?: number }>();
  for await (const blob of container.listBlobsFlat({ prefix: `${blobPrefix}/`, includeMetadata: true })) {
    present.set(blob.name.slice(blobPrefix.length + 1), { status: blob.metadata?.upload_status, size: blob.properties.contentLength });
  }
  return files.every((f) => {
    const blob = present.get(f.relativePath);
    return blob?.status === 'completed' && blob.size === f.size;
  });
}

async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function storageError(error: unknown, account: string, auth: UploadedFolder['auth']): Error {
  if (isRestError(error) && (error.statusCode === 403 || error.statusCode === 401)) {
    const fix = auth === 'token'
      ? `give the signed-in principal the 'Storage Blob Data Contributor' role on storage account ${account}, or let it read the datastore keys`
      : `the datastore's ${auth === 'sas' ? 'SAS token' : 'account key'} was refused; update the datastore's credentials`;
    return new UserError(`Uploading to storage account ${account} was refused (${describeRestError(error)}); ${fix}`, { code: 'StorageForbidden', cause: error });
  }
  if (isRestError(error) && error.statusCode === 404) {
    return new UserError(`The datastore's blob container was not found in storage account ${account} (${describeRestError(error)})`, { code: 'StorageNotFound', cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
