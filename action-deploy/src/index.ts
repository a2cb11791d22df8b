import { run } from './main.js';

/* istanbul ignore next: the bundle's entry point */
void run();
