import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { IndexKey, Keyring, parseIndexKey } from '../keys';

/** The keyring and the blind-index key, parsed once from configuration. Keys never come from the database. */
@Injectable()
export class KeyMaterial {
  readonly keyring: Keyring;
  readonly indexKey: IndexKey;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keyring = Keyring.parse(config.secrets.keyring, 'AMPARO_KEYS');
    this.indexKey = parseIndexKey(config.secrets.indexKey, 'AMPARO_INDEX_KEY');
  }
}

@Global()
@Module({ providers: [KeyMaterial], exports: [KeyMaterial] })
export class CryptoModule {}
