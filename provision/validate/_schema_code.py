"""Generated from schemas/playbook.schema.json by provision.validate.compiled: do not
edit."""
# schema sha256: 081432f2a45faac1f84dec88bf70b4bb4e1f0844e7160cfa7b22d61a3b826a20
# ruff: noqa
# mypy: ignore-errors
# fmt: off


class Invalid(ValueError):
    """The playbook does not match the schema (jsonschema says why)."""

import re
REGEX_PATTERNS = {'^[^/]': re.compile('^[^/]'), '^[A-Za-z0-9_.~-]+$': re.compile('^[A-Za-z0-9_.~-]+\\Z'), '^[A-Za-z_][A-Za-z0-9_]*$': re.compile('^[A-Za-z_][A-Za-z0-9_]*\\Z'), '^[a-z0-9][a-z0-9_.-]*$': re.compile('^[a-z0-9][a-z0-9_.-]*\\Z'), '^[0-9]{6,30}$': re.compile('^[0-9]{6,30}\\Z'), '^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+)$': re.compile('^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+)\\Z'), '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$': re.compile('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\Z'), '^https://[^\\s]+/SMTP\\.Send$': re.compile('^https://[^\\s]+/SMTP\\.Send\\Z')}
NoneType = type(None)

def validate_playbook_schema_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['version']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'version' in data_keys:
            data_keys.remove('version')
            data__version = data['version']
            if not (isinstance(data__version, (int, float)) and (not isinstance(data__version, bool)) and (data__version == 1)):
                raise Invalid()
        if 'settings' in data_keys:
            data_keys.remove('settings')
            data__settings = data['settings']
            validate_playbook_schema_json___defs_settings(data__settings, custom_formats, (name_prefix or 'data') + '.settings')
        if 'clients' in data_keys:
            data_keys.remove('clients')
            data__clients = data['clients']
            if not isinstance(data__clients, dict):
                raise Invalid()
            data__clients_is_dict = isinstance(data__clients, dict)
            if data__clients_is_dict:
                data__clients_keys = set(data__clients.keys())
                for data__clients_key in data__clients_keys:
                    if data__clients_key not in []:
                        data__clients_value = data__clients.get(data__clients_key)
                        validate_playbook_schema_json___defs_client(data__clients_value, custom_formats, (name_prefix or 'data') + '.clients.{data__clients_key}'.format(**locals()))
                data__clients_len = len(data__clients)
                if data__clients_len != 0:
                    data__clients_property_names = True
                    for data__clients_key in data__clients:
                        try:
                            validate_playbook_schema_json___defs_name(data__clients_key, custom_formats, (name_prefix or 'data') + '.clients')
                        except (Invalid, Invalid):
                            data__clients_property_names = False
                    if not data__clients_property_names:
                        raise Invalid()
        if 'identities' in data_keys:
            data_keys.remove('identities')
            data__identities = data['identities']
            if not isinstance(data__identities, dict):
                raise Invalid()
            data__identities_is_dict = isinstance(data__identities, dict)
            if data__identities_is_dict:
                data__identities_keys = set(data__identities.keys())
                for data__identities_key in data__identities_keys:
                    if data__identities_key not in []:
                        data__identities_value = data__identities.get(data__identities_key)
                        validate_playbook_schema_json___defs_identity(data__identities_value, custom_formats, (name_prefix or 'data') + '.identities.{data__identities_key}'.format(**locals()))
                data__identities_len = len(data__identities)
                if data__identities_len != 0:
                    data__identities_property_names = True
                    for data__identities_key in data__identities:
                        try:
                            validate_playbook_schema_json___defs_name(data__identities_key, custom_formats, (name_prefix or 'data') + '.identities')
                        except (Invalid, Invalid):
                            data__identities_property_names = False
                    if not data__identities_property_names:
                        raise Invalid()
        if 'defaults' in data_keys:
            data_keys.remove('defaults')
            data__defaults = data['defaults']
            validate_playbook_schema_json___defs_defaults(data__defaults, custom_formats, (name_prefix or 'data') + '.defaults')
        if 'sites' in data_keys:
            data_keys.remove('sites')
            data__sites = data['sites']
            if not isinstance(data__sites, dict):
                raise Invalid()
            data__sites_is_dict = isinstance(data__sites, dict)
            if data__sites_is_dict:
                data__sites_keys = set(data__sites.keys())
                for data__sites_key in data__sites_keys:
                    if data__sites_key not in []:
                        data__sites_value = data__sites.get(data__sites_key)
                        validate_playbook_schema_json___defs_site(data__sites_value, custom_formats, (name_prefix or 'data') + '.sites.{data__sites_key}'.format(**locals()))
                data__sites_len = len(data__sites)
                if data__sites_len != 0:
                    data__sites_property_names = True
                    for data__sites_key in data__sites:
                        try:
                            validate_playbook_schema_json___defs_name(data__sites_key, custom_formats, (name_prefix or 'data') + '.sites')
                        except (Invalid, Invalid):
                            data__sites_property_names = False
                    if not data__sites_property_names:
                        raise Invalid()
        if 'app_kinds' in data_keys:
            data_keys.remove('app_kinds')
            data__appkinds = data['app_kinds']
            if not isinstance(data__appkinds, dict):
                raise Invalid()
            data__appkinds_is_dict = isinstance(data__appkinds, dict)
            if data__appkinds_is_dict:
                data__appkinds_keys = set(data__appkinds.keys())
                for data__appkinds_key in data__appkinds_keys:
                    if data__appkinds_key not in []:
                        data__appkinds_value = data__appkinds.get(data__appkinds_key)
                        validate_playbook_schema_json___defs_app_kind(data__appkinds_value, custom_formats, (name_prefix or 'data') + '.app_kinds.{data__appkinds_key}'.format(**locals()))
                data__appkinds_len = len(data__appkinds)
                if data__appkinds_len != 0:
                    data__appkinds_property_names = True
                    for data__appkinds_key in data__appkinds:
                        try:
                            validate_playbook_schema_json___defs_name(data__appkinds_key, custom_formats, (name_prefix or 'data') + '.app_kinds')
                        except (Invalid, Invalid):
                            data__appkinds_property_names = False
                    if not data__appkinds_property_names:
                        raise Invalid()
        if 'outputs' in data_keys:
            data_keys.remove('outputs')
            data__outputs = data['outputs']
            if not isinstance(data__outputs, dict):
                raise Invalid()
            data__outputs_is_dict = isinstance(data__outputs, dict)
            if data__outputs_is_dict:
                data__outputs_keys = set(data__outputs.keys())
                for data__outputs_key in data__outputs_keys:
                    if data__outputs_key not in []:
                        data__outputs_value = data__outputs.get(data__outputs_key)
                        validate_playbook_schema_json___defs_output(data__outputs_value, custom_formats, (name_prefix or 'data') + '.outputs.{data__outputs_key}'.format(**locals()))
                data__outputs_len = len(data__outputs)
                if data__outputs_len != 0:
                    data__outputs_property_names = True
                    for data__outputs_key in data__outputs:
                        try:
                            validate_playbook_schema_json___defs_name(data__outputs_key, custom_formats, (name_prefix or 'data') + '.outputs')
                        except (Invalid, Invalid):
                            data__outputs_property_names = False
                    if not data__outputs_property_names:
                        raise Invalid()
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_output(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['per', 'template', 'path']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'per' in data_keys:
            data_keys.remove('per')
            data__per = data['per']
            if not (isinstance(data__per, str) and data__per == 'app' or (isinstance(data__per, str) and data__per == 'site') or (isinstance(data__per, str) and data__per == 'client')):
                raise Invalid()
        if 'template' in data_keys:
            data_keys.remove('template')
            data__template = data['template']
            if not isinstance(data__template, str):
                raise Invalid()
            if isinstance(data__template, str):
                data__template_len = len(data__template)
                if data__template_len < 1:
                    raise Invalid()
        if 'path' in data_keys:
            data_keys.remove('path')
            data__path = data['path']
            if not isinstance(data__path, str):
                raise Invalid()
            if isinstance(data__path, str):
                data__path_len = len(data__path)
                if data__path_len < 1:
                    raise Invalid()
        if 'secret' in data_keys:
            data_keys.remove('secret')
            data__secret = data['secret']
            if not isinstance(data__secret, bool):
                raise Invalid()
        if 'deliver' in data_keys:
            data_keys.remove('deliver')
            data__deliver = data['deliver']
            validate_playbook_schema_json___defs_argv(data__deliver, custom_formats, (name_prefix or 'data') + '.deliver')
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_argv(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise Invalid()
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        if data_len < 1:
            raise Invalid()
        for data_x, data_item in enumerate(data):
            if not isinstance(data_item, str):
                raise Invalid()
            if isinstance(data_item, str):
                data_item_len = len(data_item)
                if data_item_len < 1:
                    raise Invalid()
    return data

def validate_playbook_schema_json___defs_app_kind(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['host', 'path']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'host' in data_keys:
            data_keys.remove('host')
            data__host = data['host']
            if not (isinstance(data__host, str) and data__host == 'pbx' or (isinstance(data__host, str) and data__host == 'app_platform')):
                raise Invalid()
        if 'path' in data_keys:
            data_keys.remove('path')
            data__path = data['path']
            if not isinstance(data__path, str):
                raise Invalid()
            if isinstance(data__path, str):
                if not REGEX_PATTERNS['^[^/]'].search(data__path):
                    raise Invalid()
        if 'path_name' in data_keys:
            data_keys.remove('path_name')
            data__pathname = data['path_name']
            validate_playbook_schema_json___defs_path_segment(data__pathname, custom_formats, (name_prefix or 'data') + '.path_name')
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_path_segment(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, str):
        raise Invalid()
    try:
        if not (isinstance(data, str) and data == '.' or (isinstance(data, str) and data == '..')):
            raise Invalid()
    except (Invalid, Invalid):
        pass
    else:
        raise Invalid()
    if isinstance(data, str):
        data_len = len(data)
        if data_len > 100:
            raise Invalid()
        if not REGEX_PATTERNS['^[A-Za-z0-9_.~-]+$'].search(data):
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_site(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['domain']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'domain' in data_keys:
            data_keys.remove('domain')
            data__domain = data['domain']
            validate_playbook_schema_json___defs_hostname(data__domain, custom_formats, (name_prefix or 'data') + '.domain')
        if 'pbx' in data_keys:
            data_keys.remove('pbx')
            data__pbx = data['pbx']
            validate_playbook_schema_json___defs_hostname(data__pbx, custom_formats, (name_prefix or 'data') + '.pbx')
        if 'app_platform' in data_keys:
            data_keys.remove('app_platform')
            data__appplatform = data['app_platform']
            validate_playbook_schema_json___defs_hostname(data__appplatform, custom_formats, (name_prefix or 'data') + '.app_platform')
        if 'identity' in data_keys:
            data_keys.remove('identity')
            data__identity = data['identity']
            validate_playbook_schema_json___defs_name(data__identity, custom_formats, (name_prefix or 'data') + '.identity')
        if 'sender' in data_keys:
            data_keys.remove('sender')
            data__sender = data['sender']
            validate_playbook_schema_json___defs_email(data__sender, custom_formats, (name_prefix or 'data') + '.sender')
        if 'sender_name' in data_keys:
            data_keys.remove('sender_name')
            data__sendername = data['sender_name']
            if not isinstance(data__sendername, str):
                raise Invalid()
        if 'apps' in data_keys:
            data_keys.remove('apps')
            data__apps = data['apps']
            validate_playbook_schema_json___defs_apps(data__apps, custom_formats, (name_prefix or 'data') + '.apps')
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_apps(data, custom_formats={}, name_prefix=None):
    data_one_of_count1 = 0
    if data_one_of_count1 < 2:
        try:
            if not isinstance(data, (list, tuple)):
                raise Invalid()
            data_is_list = isinstance(data, (list, tuple))
            if data_is_list:

                def fn(var):
                    return frozenset(dict(((k, fn(v)) for k, v in var.items())).items()) if hasattr(var, 'items') else tuple((fn(v) for v in var)) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                data_len = len(data)
                if data_len > len(set((fn(data_x) for data_x in data))):
                    raise Invalid()
                for data_x, data_item in enumerate(data):
                    validate_playbook_schema_json___defs_name(data_item, custom_formats, (name_prefix or 'data') + '[{data_x}]'.format(**locals()))
            data_one_of_count1 += 1
        except (Invalid, Invalid):
            pass
    if data_one_of_count1 < 2:
        try:
            if not isinstance(data, dict):
                raise Invalid()
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data_keys = set(data.keys())
                for data_key in data_keys:
                    if data_key not in []:
                        data_value = data.get(data_key)
                        data_value_one_of_count2 = 0
                        if data_value_one_of_count2 < 2:
                            try:
                                if not isinstance(data_value, NoneType):
                                    raise Invalid()
                                data_value_one_of_count2 += 1
                            except (Invalid, Invalid):
                                pass
                        if data_value_one_of_count2 < 2:
                            try:
                                validate_playbook_schema_json___defs_app(data_value, custom_formats, (name_prefix or 'data') + '.{data_key}'.format(**locals()))
                                data_value_one_of_count2 += 1
                            except (Invalid, Invalid):
                                pass
                        if data_value_one_of_count2 != 1:
                            raise Invalid()
                data_len = len(data)
                if data_len != 0:
                    data_property_names = True
                    for data_key in data:
                        try:
                            validate_playbook_schema_json___defs_name(data_key, custom_formats, (name_prefix or 'data') + '')
                        except (Invalid, Invalid):
                            data_property_names = False
                    if not data_property_names:
                        raise Invalid()
            data_one_of_count1 += 1
        except (Invalid, Invalid):
            pass
    if data_one_of_count1 != 1:
        raise Invalid()
    return data

def validate_playbook_schema_json___defs_app(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if 'kind' in data_keys:
            data_keys.remove('kind')
            data__kind = data['kind']
            validate_playbook_schema_json___defs_name(data__kind, custom_formats, (name_prefix or 'data') + '.kind')
        if 'identity' in data_keys:
            data_keys.remove('identity')
            data__identity = data['identity']
            validate_playbook_schema_json___defs_name(data__identity, custom_formats, (name_prefix or 'data') + '.identity')
        if 'sender' in data_keys:
            data_keys.remove('sender')
            data__sender = data['sender']
            validate_playbook_schema_json___defs_email(data__sender, custom_formats, (name_prefix or 'data') + '.sender')
        if 'sender_name' in data_keys:
            data_keys.remove('sender_name')
            data__sendername = data['sender_name']
            if not isinstance(data__sendername, str):
                raise Invalid()
        if 'path' in data_keys:
            data_keys.remove('path')
            data__path = data['path']
            validate_playbook_schema_json___defs_path_segment(data__path, custom_formats, (name_prefix or 'data') + '.path')
        if 'helo' in data_keys:
            data_keys.remove('helo')
            data__helo = data['helo']
            if not isinstance(data__helo, str):
                raise Invalid()
            if isinstance(data__helo, str):
                if not custom_formats['host-name'](data__helo):
                    raise Invalid()
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_email(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, str):
        raise Invalid()
    if isinstance(data, str):
        if not custom_formats['templated-email'](data):
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_hostname(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, str):
        raise Invalid()
    if isinstance(data, str):
        if not custom_formats['host-port'](data):
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_defaults(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if 'identity' in data_keys:
            data_keys.remove('identity')
            data__identity = data['identity']
            validate_playbook_schema_json___defs_name(data__identity, custom_formats, (name_prefix or 'data') + '.identity')
        if 'sender' in data_keys:
            data_keys.remove('sender')
            data__sender = data['sender']
            validate_playbook_schema_json___defs_email(data__sender, custom_formats, (name_prefix or 'data') + '.sender')
        if 'sender_name' in data_keys:
            data_keys.remove('sender_name')
            data__sendername = data['sender_name']
            if not isinstance(data__sendername, str):
                raise Invalid()
        if 'apps' in data_keys:
            data_keys.remove('apps')
            data__apps = data['apps']
            validate_playbook_schema_json___defs_apps(data__apps, custom_formats, (name_prefix or 'data') + '.apps')
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_identity(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    try:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['mode']) - data.keys()
            if data__missing_keys:
                raise Invalid()
            data_keys = set(data.keys())
            if 'mode' in data_keys:
                data_keys.remove('mode')
                data__mode = data['mode']
                if not (isinstance(data__mode, str) and data__mode == 'microsoft365'):
                    raise Invalid()
    except (Invalid, Invalid):
        pass
    else:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['password']) - data.keys()
            if data__missing_keys:
                raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['client', 'mode', 'sender']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'client' in data_keys:
            data_keys.remove('client')
            data__client = data['client']
            validate_playbook_schema_json___defs_name(data__client, custom_formats, (name_prefix or 'data') + '.client')
        if 'mode' in data_keys:
            data_keys.remove('mode')
            data__mode = data['mode']
            if not (isinstance(data__mode, str) and data__mode == 'exchange' or (isinstance(data__mode, str) and data__mode == 'microsoft365') or (isinstance(data__mode, str) and data__mode == 'gmail') or (isinstance(data__mode, str) and data__mode == 'google_service_account') or (isinstance(data__mode, str) and data__mode == 'client_secret_post') or (isinstance(data__mode, str) and data__mode == 'private_key_jwt')):
                raise Invalid()
        if 'sender' in data_keys:
            data_keys.remove('sender')
            data__sender = data['sender']
            validate_playbook_schema_json___defs_email(data__sender, custom_formats, (name_prefix or 'data') + '.sender')
        if 'sender_name' in data_keys:
            data_keys.remove('sender_name')
            data__sendername = data['sender_name']
            if not isinstance(data__sendername, str):
                raise Invalid()
        if 'username' in data_keys:
            data_keys.remove('username')
            data__username = data['username']
            validate_playbook_schema_json___defs_email(data__username, custom_formats, (name_prefix or 'data') + '.username')
        if 'password' in data_keys:
            data_keys.remove('password')
            data__password = data['password']
            validate_playbook_schema_json___defs_secret(data__password, custom_formats, (name_prefix or 'data') + '.password')
        if 'smtp' in data_keys:
            data_keys.remove('smtp')
            data__smtp = data['smtp']
            validate_playbook_schema_json___defs_smtp(data__smtp, custom_formats, (name_prefix or 'data') + '.smtp')
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_smtp(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['host']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'host' in data_keys:
            data_keys.remove('host')
            data__host = data['host']
            validate_playbook_schema_json___defs_hostname(data__host, custom_formats, (name_prefix or 'data') + '.host')
        if 'port' in data_keys:
            data_keys.remove('port')
            data__port = data['port']
            if not isinstance(data__port, int) and (not (isinstance(data__port, float) and data__port.is_integer())) or isinstance(data__port, bool):
                raise Invalid()
            if isinstance(data__port, (int, float)) and (not isinstance(data__port, bool)):
                if data__port < 1:
                    raise Invalid()
                if data__port > 65535:
                    raise Invalid()
        if 'security' in data_keys:
            data_keys.remove('security')
            data__security = data['security']
            if not (isinstance(data__security, str) and data__security == 'starttls' or (isinstance(data__security, str) and data__security == 'tls')):
                raise Invalid()
        if 'helo' in data_keys:
            data_keys.remove('helo')
            data__helo = data['helo']
            if not isinstance(data__helo, str):
                raise Invalid()
            if isinstance(data__helo, str):
                if not custom_formats['host-name'](data__helo):
                    raise Invalid()
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_secret(data, custom_formats={}, name_prefix=None):
    data_any_of_count3 = 0
    if not data_any_of_count3:
        try:
            if not isinstance(data, str):
                raise Invalid()
            if isinstance(data, str):
                data_len = len(data)
                if data_len < 1:
                    raise Invalid()
            data_any_of_count3 += 1
        except (Invalid, Invalid):
            pass
    if not data_any_of_count3:
        try:
            if not isinstance(data, dict):
                raise Invalid()
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['env']) - data.keys()
                if data__missing_keys:
                    raise Invalid()
                data_keys = set(data.keys())
                if 'env' in data_keys:
                    data_keys.remove('env')
                    data__env = data['env']
                    if not isinstance(data__env, str):
                        raise Invalid()
                    if isinstance(data__env, str):
                        if not REGEX_PATTERNS['^[A-Za-z_][A-Za-z0-9_]*$'].search(data__env):
                            raise Invalid()
                if data_keys:
                    raise Invalid()
            data_any_of_count3 += 1
        except (Invalid, Invalid):
            pass
    if not data_any_of_count3:
        try:
            if not isinstance(data, dict):
                raise Invalid()
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['file']) - data.keys()
                if data__missing_keys:
                    raise Invalid()
                data_keys = set(data.keys())
                if 'file' in data_keys:
                    data_keys.remove('file')
                    data__file = data['file']
                    if not isinstance(data__file, str):
                        raise Invalid()
                    if isinstance(data__file, str):
                        data__file_len = len(data__file)
                        if data__file_len < 1:
                            raise Invalid()
                if data_keys:
                    raise Invalid()
            data_any_of_count3 += 1
        except (Invalid, Invalid):
            pass
    if not data_any_of_count3:
        try:
            if not isinstance(data, dict):
                raise Invalid()
            data_is_dict = isinstance(data, dict)
            if data_is_dict:
                data__missing_keys = set(['command']) - data.keys()
                if data__missing_keys:
                    raise Invalid()
                data_keys = set(data.keys())
                if 'command' in data_keys:
                    data_keys.remove('command')
                    data__command = data['command']
                    if not isinstance(data__command, (list, tuple)):
                        raise Invalid()
                    data__command_is_list = isinstance(data__command, (list, tuple))
                    if data__command_is_list:
                        data__command_len = len(data__command)
                        if data__command_len < 1:
                            raise Invalid()
                        for data__command_x, data__command_item in enumerate(data__command):
                            if not isinstance(data__command_item, str):
                                raise Invalid()
                            if isinstance(data__command_item, str):
                                data__command_item_len = len(data__command_item)
                                if data__command_item_len < 1:
                                    raise Invalid()
                if 'store' in data_keys:
                    data_keys.remove('store')
                    data__store = data['store']
                    if not isinstance(data__store, (list, tuple)):
                        raise Invalid()
                    data__store_is_list = isinstance(data__store, (list, tuple))
                    if data__store_is_list:
                        data__store_len = len(data__store)
                        if data__store_len < 1:
                            raise Invalid()
                        for data__store_x, data__store_item in enumerate(data__store):
                            if not isinstance(data__store_item, str):
                                raise Invalid()
                            if isinstance(data__store_item, str):
                                data__store_item_len = len(data__store_item)
                                if data__store_item_len < 1:
                                    raise Invalid()
                if data_keys:
                    raise Invalid()
            data_any_of_count3 += 1
        except (Invalid, Invalid):
            pass
    if not data_any_of_count3:
        raise Invalid()
    return data

def validate_playbook_schema_json___defs_name(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, str):
        raise Invalid()
    try:
        if not (isinstance(data, str) and data == '.' or (isinstance(data, str) and data == '..')):
            raise Invalid()
    except (Invalid, Invalid):
        pass
    else:
        raise Invalid()
    if isinstance(data, str):
        data_len = len(data)
        if data_len > 100:
            raise Invalid()
        if not REGEX_PATTERNS['^[a-z0-9][a-z0-9_.-]*$'].search(data):
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_client(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    try:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['provider']) - data.keys()
            if data__missing_keys:
                raise Invalid()
            data_keys = set(data.keys())
            if 'provider' in data_keys:
                data_keys.remove('provider')
                data__provider = data['provider']
                if not (isinstance(data__provider, str) and data__provider == 'microsoft'):
                    raise Invalid()
    except (Invalid, Invalid):
        pass
    else:
        validate_playbook_schema_json___defs_microsoft_client(data, custom_formats, (name_prefix or 'data') + '')
    try:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['provider']) - data.keys()
            if data__missing_keys:
                raise Invalid()
            data_keys = set(data.keys())
            if 'provider' in data_keys:
                data_keys.remove('provider')
                data__provider = data['provider']
                if not (isinstance(data__provider, str) and data__provider == 'google'):
                    raise Invalid()
    except (Invalid, Invalid):
        pass
    else:
        validate_playbook_schema_json___defs_google_client(data, custom_formats, (name_prefix or 'data') + '')
    try:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['provider']) - data.keys()
            if data__missing_keys:
                raise Invalid()
            data_keys = set(data.keys())
            if 'provider' in data_keys:
                data_keys.remove('provider')
                data__provider = data['provider']
                if not (isinstance(data__provider, str) and data__provider == 'generic'):
                    raise Invalid()
    except (Invalid, Invalid):
        pass
    else:
        validate_playbook_schema_json___defs_generic_client(data, custom_formats, (name_prefix or 'data') + '')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['provider']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'provider' in data_keys:
            data_keys.remove('provider')
            data__provider = data['provider']
            if not (isinstance(data__provider, str) and data__provider == 'microsoft' or (isinstance(data__provider, str) and data__provider == 'google') or (isinstance(data__provider, str) and data__provider == 'generic')):
                raise Invalid()
    return data

def validate_playbook_schema_json___defs_generic_client(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['provider', 'token_endpoint', 'client_id']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'provider' in data_keys:
            data_keys.remove('provider')
            data__provider = data['provider']
            if not (isinstance(data__provider, str) and data__provider == 'generic'):
                raise Invalid()
        if 'client_id' in data_keys:
            data_keys.remove('client_id')
            data__clientid = data['client_id']
            if not isinstance(data__clientid, str):
                raise Invalid()
            if isinstance(data__clientid, str):
                data__clientid_len = len(data__clientid)
                if data__clientid_len < 1:
                    raise Invalid()
        if 'client_secret' in data_keys:
            data_keys.remove('client_secret')
            data__clientsecret = data['client_secret']
            validate_playbook_schema_json___defs_secret(data__clientsecret, custom_formats, (name_prefix or 'data') + '.client_secret')
        if 'private_key' in data_keys:
            data_keys.remove('private_key')
            data__privatekey = data['private_key']
            validate_playbook_schema_json___defs_secret(data__privatekey, custom_formats, (name_prefix or 'data') + '.private_key')
        if 'private_key_id' in data_keys:
            data_keys.remove('private_key_id')
            data__privatekeyid = data['private_key_id']
            if not isinstance(data__privatekeyid, str):
                raise Invalid()
            if isinstance(data__privatekeyid, str):
                data__privatekeyid_len = len(data__privatekeyid)
                if data__privatekeyid_len < 1:
                    raise Invalid()
        if 'token_endpoint' in data_keys:
            data_keys.remove('token_endpoint')
            data__tokenendpoint = data['token_endpoint']
            validate_playbook_schema_json___defs_url(data__tokenendpoint, custom_formats, (name_prefix or 'data') + '.token_endpoint')
        if 'authorization_url' in data_keys:
            data_keys.remove('authorization_url')
            data__authorizationurl = data['authorization_url']
            validate_playbook_schema_json___defs_url(data__authorizationurl, custom_formats, (name_prefix or 'data') + '.authorization_url')
        if 'scope' in data_keys:
            data_keys.remove('scope')
            data__scope = data['scope']
            if not isinstance(data__scope, str):
                raise Invalid()
            if isinstance(data__scope, str):
                data__scope_len = len(data__scope)
                if data__scope_len < 1:
                    raise Invalid()
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_url(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, str):
        raise Invalid()
    if isinstance(data, str):
        if not custom_formats['web-url'](data):
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_google_client(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['provider']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'provider' in data_keys:
            data_keys.remove('provider')
            data__provider = data['provider']
            if not (isinstance(data__provider, str) and data__provider == 'google'):
                raise Invalid()
        if 'client_id' in data_keys:
            data_keys.remove('client_id')
            data__clientid = data['client_id']
            if not isinstance(data__clientid, str):
                raise Invalid()
            if isinstance(data__clientid, str):
                data__clientid_len = len(data__clientid)
                if data__clientid_len < 1:
                    raise Invalid()
        if 'client_secret' in data_keys:
            data_keys.remove('client_secret')
            data__clientsecret = data['client_secret']
            validate_playbook_schema_json___defs_secret(data__clientsecret, custom_formats, (name_prefix or 'data') + '.client_secret')
        if 'client_secrets_file' in data_keys:
            data_keys.remove('client_secrets_file')
            data__clientsecretsfile = data['client_secrets_file']
            if not isinstance(data__clientsecretsfile, str):
                raise Invalid()
            if isinstance(data__clientsecretsfile, str):
                data__clientsecretsfile_len = len(data__clientsecretsfile)
                if data__clientsecretsfile_len < 1:
                    raise Invalid()
        if 'client_email' in data_keys:
            data_keys.remove('client_email')
            data__clientemail = data['client_email']
            if not isinstance(data__clientemail, str):
                raise Invalid()
            if isinstance(data__clientemail, str):
                if not custom_formats['templated-email'](data__clientemail):
                    raise Invalid()
        if 'private_key_id' in data_keys:
            data_keys.remove('private_key_id')
            data__privatekeyid = data['private_key_id']
            if not isinstance(data__privatekeyid, str):
                raise Invalid()
            if isinstance(data__privatekeyid, str):
                data__privatekeyid_len = len(data__privatekeyid)
                if data__privatekeyid_len < 1:
                    raise Invalid()
        if 'private_key' in data_keys:
            data_keys.remove('private_key')
            data__privatekey = data['private_key']
            validate_playbook_schema_json___defs_secret(data__privatekey, custom_formats, (name_prefix or 'data') + '.private_key')
        if 'service_account_file' in data_keys:
            data_keys.remove('service_account_file')
            data__serviceaccountfile = data['service_account_file']
            if not isinstance(data__serviceaccountfile, str):
                raise Invalid()
            if isinstance(data__serviceaccountfile, str):
                data__serviceaccountfile_len = len(data__serviceaccountfile)
                if data__serviceaccountfile_len < 1:
                    raise Invalid()
        if 'service_account_client_id' in data_keys:
            data_keys.remove('service_account_client_id')
            data__serviceaccountclientid = data['service_account_client_id']
            if not isinstance(data__serviceaccountclientid, str):
                raise Invalid()
            if isinstance(data__serviceaccountclientid, str):
                if not REGEX_PATTERNS['^[0-9]{6,30}$'].search(data__serviceaccountclientid):
                    raise Invalid()
        if 'token_endpoint' in data_keys:
            data_keys.remove('token_endpoint')
            data__tokenendpoint = data['token_endpoint']
            validate_playbook_schema_json___defs_url(data__tokenendpoint, custom_formats, (name_prefix or 'data') + '.token_endpoint')
        if 'authorization_url' in data_keys:
            data_keys.remove('authorization_url')
            data__authorizationurl = data['authorization_url']
            validate_playbook_schema_json___defs_url(data__authorizationurl, custom_formats, (name_prefix or 'data') + '.authorization_url')
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_microsoft_client(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['provider', 'tenant', 'client_id']) - data.keys()
        if data__missing_keys:
            raise Invalid()
        data_keys = set(data.keys())
        if 'provider' in data_keys:
            data_keys.remove('provider')
            data__provider = data['provider']
            if not (isinstance(data__provider, str) and data__provider == 'microsoft'):
                raise Invalid()
        if 'tenant' in data_keys:
            data_keys.remove('tenant')
            data__tenant = data['tenant']
            if not isinstance(data__tenant, str):
                raise Invalid()
            if isinstance(data__tenant, str):
                if not REGEX_PATTERNS['^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+)$'].search(data__tenant):
                    raise Invalid()
        if 'client_id' in data_keys:
            data_keys.remove('client_id')
            data__clientid = data['client_id']
            if not isinstance(data__clientid, str):
                raise Invalid()
            if isinstance(data__clientid, str):
                if not REGEX_PATTERNS['^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'].search(data__clientid):
                    raise Invalid()
        if 'client_secret' in data_keys:
            data_keys.remove('client_secret')
            data__clientsecret = data['client_secret']
            validate_playbook_schema_json___defs_secret(data__clientsecret, custom_formats, (name_prefix or 'data') + '.client_secret')
        if 'client_secret_expires' in data_keys:
            data_keys.remove('client_secret_expires')
            data__clientsecretexpires = data['client_secret_expires']
            if not isinstance(data__clientsecretexpires, str):
                raise Invalid()
            if isinstance(data__clientsecretexpires, str):
                if not custom_formats['date'](data__clientsecretexpires):
                    raise Invalid()
        if 'cloud' in data_keys:
            data_keys.remove('cloud')
            data__cloud = data['cloud']
            if not (isinstance(data__cloud, str) and data__cloud == 'global' or (isinstance(data__cloud, str) and data__cloud == 'usgov') or (isinstance(data__cloud, str) and data__cloud == 'china')):
                raise Invalid()
        if 'authority' in data_keys:
            data_keys.remove('authority')
            data__authority = data['authority']
            validate_playbook_schema_json___defs_url(data__authority, custom_formats, (name_prefix or 'data') + '.authority')
        if 'scope' in data_keys:
            data_keys.remove('scope')
            data__scope = data['scope']
            if not isinstance(data__scope, str):
                raise Invalid()
            if isinstance(data__scope, str):
                if not REGEX_PATTERNS['^https://[^\\s]+/SMTP\\.Send$'].search(data__scope):
                    raise Invalid()
        if 'personal_accounts' in data_keys:
            data_keys.remove('personal_accounts')
            data__personalaccounts = data['personal_accounts']
            if not isinstance(data__personalaccounts, bool):
                raise Invalid()
        if 'manifest_file' in data_keys:
            data_keys.remove('manifest_file')
            data__manifestfile = data['manifest_file']
            if not isinstance(data__manifestfile, str):
                raise Invalid()
            if isinstance(data__manifestfile, str):
                data__manifestfile_len = len(data__manifestfile)
                if data__manifestfile_len < 1:
                    raise Invalid()
        if 'manage_redirect_uris' in data_keys:
            data_keys.remove('manage_redirect_uris')
            data__manageredirecturis = data['manage_redirect_uris']
            if not (isinstance(data__manageredirecturis, str) and data__manageredirecturis == 'off' or (isinstance(data__manageredirecturis, str) and data__manageredirecturis == 'merge') or (isinstance(data__manageredirecturis, str) and data__manageredirecturis == 'exact') or (isinstance(data__manageredirecturis, bool) and data__manageredirecturis is False)):
                raise Invalid()
        if 'graph_endpoint' in data_keys:
            data_keys.remove('graph_endpoint')
            data__graphendpoint = data['graph_endpoint']
            validate_playbook_schema_json___defs_url(data__graphendpoint, custom_formats, (name_prefix or 'data') + '.graph_endpoint')
        if 'graph_client' in data_keys:
            data_keys.remove('graph_client')
            data__graphclient = data['graph_client']
            validate_playbook_schema_json___defs_name(data__graphclient, custom_formats, (name_prefix or 'data') + '.graph_client')
        if data_keys:
            raise Invalid()
    return data

def validate_playbook_schema_json___defs_settings(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, dict):
        raise Invalid()
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if 'output_dir' in data_keys:
            data_keys.remove('output_dir')
            data__outputdir = data['output_dir']
            if not isinstance(data__outputdir, str):
                raise Invalid()
            if isinstance(data__outputdir, str):
                data__outputdir_len = len(data__outputdir)
                if data__outputdir_len < 1:
                    raise Invalid()
        else:
            data['output_dir'] = 'out'
        if 'state_dir' in data_keys:
            data_keys.remove('state_dir')
            data__statedir = data['state_dir']
            if not isinstance(data__statedir, str):
                raise Invalid()
            if isinstance(data__statedir, str):
                data__statedir_len = len(data__statedir)
                if data__statedir_len < 1:
                    raise Invalid()
        else:
            data['state_dir'] = '.provision'
        if 'ca_file' in data_keys:
            data_keys.remove('ca_file')
            data__cafile = data['ca_file']
            if not isinstance(data__cafile, str):
                raise Invalid()
            if isinstance(data__cafile, str):
                data__cafile_len = len(data__cafile)
                if data__cafile_len < 1:
                    raise Invalid()
        if 'expiry_warning_days' in data_keys:
            data_keys.remove('expiry_warning_days')
            data__expirywarningdays = data['expiry_warning_days']
            if not isinstance(data__expirywarningdays, int) and (not (isinstance(data__expirywarningdays, float) and data__expirywarningdays.is_integer())) or isinstance(data__expirywarningdays, bool):
                raise Invalid()
            if isinstance(data__expirywarningdays, (int, float)) and (not isinstance(data__expirywarningdays, bool)):
                if data__expirywarningdays < 0:
                    raise Invalid()
        else:
            data['expiry_warning_days'] = 30
        if 'secret_lifetime_days' in data_keys:
            data_keys.remove('secret_lifetime_days')
            data__secretlifetimedays = data['secret_lifetime_days']
            if not isinstance(data__secretlifetimedays, int) and (not (isinstance(data__secretlifetimedays, float) and data__secretlifetimedays.is_integer())) or isinstance(data__secretlifetimedays, bool):
                raise Invalid()
            if isinstance(data__secretlifetimedays, (int, float)) and (not isinstance(data__secretlifetimedays, bool)):
                if data__secretlifetimedays < 1:
                    raise Invalid()
                if data__secretlifetimedays > 730:
                    raise Invalid()
        else:
            data['secret_lifetime_days'] = 730
        if 'proxy' in data_keys:
            data_keys.remove('proxy')
            data__proxy = data['proxy']
            if not isinstance(data__proxy, str):
                raise Invalid()
            if isinstance(data__proxy, str):
                if not custom_formats['web-url'](data__proxy):
                    raise Invalid()
        if 'authorize_redirect_uri' in data_keys:
            data_keys.remove('authorize_redirect_uri')
            data__authorizeredirecturi = data['authorize_redirect_uri']
            if not isinstance(data__authorizeredirecturi, str):
                raise Invalid()
            if isinstance(data__authorizeredirecturi, str):
                if not custom_formats['web-url'](data__authorizeredirecturi):
                    raise Invalid()
        else:
            data['authorize_redirect_uri'] = 'http://localhost:8400/'
        if 'deliver' in data_keys:
            data_keys.remove('deliver')
            data__deliver = data['deliver']
            if not isinstance(data__deliver, dict):
                raise Invalid()
            data__deliver_is_dict = isinstance(data__deliver, dict)
            if data__deliver_is_dict:
                data__deliver_keys = set(data__deliver.keys())
                if 'app_config' in data__deliver_keys:
                    data__deliver_keys.remove('app_config')
                    data__deliver__appconfig = data__deliver['app_config']
                    validate_playbook_schema_json___defs_argv(data__deliver__appconfig, custom_formats, (name_prefix or 'data') + '.deliver.app_config')
                if 'redirect_uris' in data__deliver_keys:
                    data__deliver_keys.remove('redirect_uris')
                    data__deliver__redirecturis = data__deliver['redirect_uris']
                    validate_playbook_schema_json___defs_argv(data__deliver__redirecturis, custom_formats, (name_prefix or 'data') + '.deliver.redirect_uris')
                if data__deliver_keys:
                    raise Invalid()
        if data_keys:
            raise Invalid()
    return data
